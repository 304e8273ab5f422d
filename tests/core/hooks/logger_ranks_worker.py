"""Run by test_logger_hook under torchrun (2 ranks, gloo): each rank tests with its own
work_dir, so what a rank wrote (test results, out_dir copies) shows in its directory."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "fixtures" / "toy_runner"))
import toy_train  # noqa: F401  (registers ToyRegression, ToyRegressor, ToyMSE)

from treadle.cli._run_common import releasing_process_group
from treadle.dist import get_rank, init_dist
from treadle.runner import Runner


def main() -> None:
    init_dist("pytorch", backend="gloo", timeout=60)
    rank, root = get_rank(), Path(sys.argv[1])
    runner = Runner(
        model=dict(type="ToyRegressor"),
        work_dir=str(root / f"work{rank}"),
        test_dataloader=dict(
            dataset=dict(type="ToyRegression", size=8),
            sampler=dict(type="DefaultSampler", shuffle=False),
            batch_size=4,
            collate_fn=dict(type="default_collate"),
        ),
        test_cfg=dict(),
        test_evaluator=dict(type="ToyMSE"),
        default_hooks=dict(logger=dict(type="LoggerHook", out_dir=str(root / f"out{rank}"))),
        launcher="pytorch",
        log_level="WARNING",
    )
    runner.test()


# the runner's DDP wrapper is gone before the group: left alive, it tears it down at exit
with releasing_process_group():
    main()
