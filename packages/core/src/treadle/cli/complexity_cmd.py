"""``treadle complexity CONFIG --shape C H W``: the flops, activations and parameters of a
config's model (what mmdet's ``tools/analysis_tools/get_flops.py`` prints, for any config).

The model is built from the config (in its ``default_scope``, after ``--cfg-options``),
put in eval mode, and called once in ``'tensor'`` mode on a random batch of one input.
"""

from __future__ import annotations

import argparse

from treadle.cli._run_common import bad_input_errors, report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from treadle.config import DictAction

    parser.add_argument("config", help="config file: path, URI or scope::path")
    parser.add_argument(
        "--shape",
        type=int,
        nargs="+",
        required=True,
        metavar="DIM",
        help="the shape of one input, without the batch dimension, e.g. 3 224 224",
    )
    parser.add_argument(
        "--cfg-options", nargs="+", action=DictAction, metavar="KEY=VALUE", help="override settings"
    )
    parser.add_argument("--max-depth", type=int, default=3, help="module levels in the table")
    parser.add_argument("--arch", action="store_true", help="also print the annotated model")


def run(args: argparse.Namespace) -> int:
    from treadle.analysis import get_model_complexity_info
    from treadle.config import Config
    from treadle.registry import MODELS, DefaultScope

    try:
        cfg = Config.fromfile(args.config)
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        if "model" not in cfg:
            raise KeyError(f"config {args.config} has no 'model' to analyse")
        with DefaultScope.overwrite_default_scope(cfg.get("default_scope")):
            model = MODELS.build(cfg.model)
    except (*bad_input_errors(), KeyError) as error:
        return report("complexity", error)
    info = get_model_complexity_info(
        model.eval(), tuple(args.shape), show_arch=args.arch, max_depth=args.max_depth
    )
    print(f"Input shape: {tuple(args.shape)}, a batch of 1")
    print(f"Flops: {info['flops_str']}")
    print(f"Activations: {info['activations_str']}")
    print(f"Parameters: {info['params_str']}")
    print(info["out_table"])
    if args.arch:
        print(info["out_arch"])
    return 0
