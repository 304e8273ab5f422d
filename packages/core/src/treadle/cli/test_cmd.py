"""``treadle test CONFIG CHECKPOINT``: evaluate a checkpoint (MMEngine's tools/test.py).

``--out results.pkl`` also dumps the predictions (a ``DumpResults`` metric is
added to ``test_evaluator``). ``--tta`` tests with test-time augmentation: the config's
``tta_model`` wraps ``model`` and ``tta_pipeline`` replaces the test set's pipeline.
"""

from __future__ import annotations

import argparse
from typing import Any

from treadle.cli._run_common import (
    add_common_arguments,
    bad_input_errors,
    load_config,
    releasing_process_group,
    report,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="config file: path, URI or scope::path")
    parser.add_argument("checkpoint", help="checkpoint file: path, URI or http(s) URL")
    parser.add_argument("--out", help="dump the predictions to this .pkl file")
    parser.add_argument(
        "--tta",
        action="store_true",
        help="test-time augmentation: the config's tta_model around model, tta_pipeline as "
        "the test pipeline",
    )
    add_common_arguments(parser)


def use_test_time_augmentation(cfg: Any, config_path: str) -> None:
    """Wrap ``cfg.model`` in ``cfg.tta_model`` and give the test set ``cfg.tta_pipeline``
    (the innermost dataset, under wrappers such as ``RepeatDataset``)."""
    from treadle.config import ConfigError

    missing = [key for key in ("tta_model", "tta_pipeline") if cfg.get(key) is None]
    if missing:
        raise ConfigError(
            f"--tta needs {' and '.join(missing)} in {config_path}: e.g. "
            "tta_model = dict(type='<your BaseTTAModel>') and tta_pipeline = [<transforms "
            "giving each sample's augmentations>]"
        )
    cfg.model = dict(**cfg.tta_model, module=cfg.model)
    dataset = cfg.test_dataloader.dataset
    while "dataset" in dataset:
        dataset = dataset.dataset
    dataset.pipeline = cfg.tta_pipeline


def run(args: argparse.Namespace) -> int:
    from treadle.runner import Runner

    try:
        cfg = load_config(args)
        cfg.load_from = args.checkpoint
        cfg.resume = False
        if args.tta:
            use_test_time_augmentation(cfg, args.config)
        if args.out is not None:
            evaluator = cfg.get("test_evaluator")
            if evaluator is None:
                evaluators = []
            elif isinstance(evaluator, (list, tuple)):
                evaluators = list(evaluator)
            else:
                evaluators = [evaluator]
            cfg.test_evaluator = [*evaluators, dict(type="DumpResults", out_file_path=args.out)]
        with releasing_process_group():  # no reference to the runner outlives the block
            metrics = Runner.from_cfg(cfg).test()
    except bad_input_errors() as error:
        return report("test", error)
    print({key: value for key, value in metrics.items()})
    return 0
