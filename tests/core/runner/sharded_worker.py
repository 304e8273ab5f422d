"""One rank of a 2-process gloo job training the toy config with ``MMFullyShardedDataParallel``
(or, with 'zero', DDP and a ``ZeroRedundancyOptimizer``).

argv: work_dir, max_epochs, out_file, then options 'clip' and/or 'zero'. Resumes from
work_dir when it holds a checkpoint. Every rank gathers the trained weights (a
collective); rank 0 writes them to out_file; every rank writes the last gradient norm it
clipped with to out_file.rank<N>.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

TOY = Path(__file__).parents[2] / "fixtures" / "toy_runner"
sys.path.insert(0, str(TOY))

from treadle.cli._run_common import releasing_process_group  # noqa: E402
from treadle.config import Config  # noqa: E402
from treadle.runner import Runner  # noqa: E402
from treadle.runner.checkpoint.sharded import model_state  # noqa: E402


def main(work_dir: str, max_epochs: int, out_file: str, options: list[str]) -> None:
    cfg = Config.fromfile(str(TOY / "toy_config.py"))
    cfg.work_dir = work_dir
    cfg.launcher = "pytorch"
    cfg.resume = True
    cfg.log_level = "WARNING"
    cfg.train_cfg.max_epochs = max_epochs
    cfg.param_scheduler = [dict(type="MultiStepLR", milestones=[2], gamma=0.5, end=3)]
    cfg.default_hooks.checkpoint = dict(type="CheckpointHook", interval=1)
    if "zero" in options:  # optimizer state sharded, model replicated (DDP)
        cfg.optim_wrapper.optimizer = dict(
            type="ZeroRedundancyOptimizer", optimizer_type="SGD", lr=0.01, momentum=0.9
        )
    else:
        cfg.model_wrapper_cfg = dict(
            type="MMFullyShardedDataParallel", sharding_strategy="FULL_SHARD"
        )
    if "clip" in options:
        cfg.optim_wrapper.clip_grad = dict(max_norm=0.01)
    runner = Runner.from_cfg(cfg)
    runner.train()
    weights = model_state(runner.model)
    if runner.rank == 0:
        optimizer = type(runner.optim_wrapper.optimizer).__name__
        wrapper = type(runner.model).__name__
        torch.save(dict(weights=weights, wrapper=wrapper, optimizer=optimizer), out_file)
    grad_norm = getattr(runner.optim_wrapper, "grad_norm", None)
    torch.save(dict(grad_norm=grad_norm), f"{out_file}.rank{runner.rank}")


if __name__ == "__main__":
    # the runner's wrapped model is gone before the group: left alive, it tears it down at exit
    with releasing_process_group():
        main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:])
