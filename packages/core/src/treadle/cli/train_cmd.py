"""``treadle train CONFIG``: train a model from a config (MMEngine's tools/train.py).

``--resume`` alone continues from the newest checkpoint in work_dir;
``--resume PATH`` from that file. ``torchrun --nproc-per-node N -m treadle train
CONFIG --launcher pytorch`` trains data-parallel.
"""

from __future__ import annotations

import argparse

from treadle.cli._run_common import (
    add_common_arguments,
    bad_input_errors,
    load_config,
    releasing_process_group,
    report,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="config file: path, URI or scope::path")
    parser.add_argument(
        "--resume",
        nargs="?",
        const="auto",
        metavar="PATH",
        help="resume from PATH, or (no PATH) from the newest checkpoint in work_dir",
    )
    parser.add_argument(
        "--amp", action="store_true", help="mixed precision (optim_wrapper -> AmpOptimWrapper)"
    )
    parser.add_argument(
        "--auto-scale-lr",
        action="store_true",
        help="scale the learning rate by the real batch size (auto_scale_lr.base_batch_size)",
    )
    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from treadle.runner import Runner
    from treadle.runner.builders import build_optim_wrappers_for_amp

    try:
        cfg = load_config(args)
        if args.amp:
            cfg.optim_wrapper = build_optim_wrappers_for_amp(cfg.get("optim_wrapper") or {})
        if args.auto_scale_lr:
            if not cfg.get("auto_scale_lr", {}).get("base_batch_size"):
                return report(
                    "train",
                    ValueError(
                        "--auto-scale-lr needs auto_scale_lr=dict(base_batch_size=N) in the config"
                    ),
                )
            cfg.auto_scale_lr.enable = True
        if args.resume == "auto":
            cfg.resume, cfg.load_from = True, None
        elif args.resume is not None:
            cfg.resume, cfg.load_from = True, args.resume
        with releasing_process_group():  # no reference to the runner outlives the block
            Runner.from_cfg(cfg).train()
    except bad_input_errors() as error:
        return report("train", error)
    return 0
