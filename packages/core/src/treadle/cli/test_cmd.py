"""``treadle test CONFIG CHECKPOINT``: evaluate a checkpoint (MMEngine's tools/test.py).

``--out results.pkl`` also dumps the predictions (a ``DumpResults`` metric is
added to ``test_evaluator``).
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
    parser.add_argument("checkpoint", help="checkpoint file: path, URI or http(s) URL")
    parser.add_argument("--out", help="dump the predictions to this .pkl file")
    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from treadle.runner import Runner

    try:
        cfg = load_config(args)
        cfg.load_from = args.checkpoint
        cfg.resume = False
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
