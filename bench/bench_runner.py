"""Budget of the Runner (issue 6): overhead per training iteration <= 1.10x a hand-written loop.

The job: ``Linear(16, 1)``, batch size 1, MSE, SGD, CPU, one thread. Every side
iterates the same kind of ``DataLoader`` (same dataset, sampler and default
collate) and steps the same kind of optimizer; the runners have their default
hooks with a log interval of 50.

Timing: the sampler stamps the clock every ``BLOCK`` iterations, so one training
run gives many blocks of ``BLOCK`` whole iterations (each holding the same
number of log events, since ``BLOCK`` is a multiple of the log interval). A run's
cost per iteration is its fastest block: this machine shares its cores, and
interference only adds time, so the fastest block is the steady-state cost (what
a run pays once -- building the loop, the checkpoint at the end of the epoch --
falls outside the blocks). Each round runs every side once, in alternating
order; the ratio reported is the median over rounds of a side's cost over the
hand-written loop's in the same round, so a slow spell of the machine shifts
both sides of a ratio rather than one. MMEngine 0.10.7's Runner on the same job is
reported beside ours when ``mmengine`` is importable (``nox -s bench`` installs it).
"""

from __future__ import annotations

import itertools
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Iterator

import torch
import torch.nn.functional as F
from common import finish, report
from torch import nn
from torch.utils.data import DataLoader, Dataset, Sampler, default_collate

ITERATIONS = 1200  # per training run: the first block is a warm-up and is not counted
BLOCK = 100  # iterations per timed block; a multiple of the log interval (50)
ROUNDS = 21  # each training run takes well under a second; more rounds steady the median


class Pairs(Dataset):
    def __init__(self, size: int) -> None:
        generator = torch.Generator().manual_seed(0)
        self.x = torch.randn(size, 16, generator=generator)
        self.y = torch.randn(size, 1, generator=generator)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.x[index], target=self.y[index])


class StampingSampler(Sampler):
    """A sequential sampler that notes the clock when each block of iterations starts."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.stamps: list[float] = []

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[int]:
        clock, stamps = time.perf_counter, self.stamps
        for index in range(self.size):
            if index % BLOCK == 0:
                stamps.append(clock())
            yield index

    def block_seconds(self) -> list[float]:
        """Seconds per iteration of each whole block after the first (the warm-up)."""
        stamps = self.stamps
        return [(end - start) / BLOCK for start, end in itertools.pairwise(stamps[1:])]


def loader() -> DataLoader:
    dataset = Pairs(ITERATIONS)
    return DataLoader(
        dataset, batch_size=1, sampler=StampingSampler(ITERATIONS), collate_fn=default_collate
    )


def hand_written(work_dir: str) -> list[float]:
    model = nn.Linear(16, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    data = loader()
    for batch in data:
        loss = F.mse_loss(model(batch["inputs"]), batch["target"])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return data.sampler.block_seconds()


def model_class(base: type) -> type:
    class Regressor(base):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(16, 1)

        def forward(self, inputs, target=None, mode="tensor"):
            pred = self.linear(inputs)
            if mode == "loss":
                return dict(loss=F.mse_loss(pred, target))
            return pred

    return Regressor


def runner_kwargs(work_dir: str, model: nn.Module) -> dict:
    return dict(
        model=model,
        work_dir=work_dir,
        train_dataloader=loader(),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        default_hooks=dict(logger=dict(type="LoggerHook", interval=50)),
        log_level="WARNING",
        experiment_name=os.path.basename(work_dir),  # one logger and message hub per run
    )


def treadle_runner(work_dir: str) -> list[float]:
    from treadle.model import BaseModel
    from treadle.runner import Runner

    runner = Runner(**runner_kwargs(work_dir, model_class(BaseModel)()))
    runner.train()
    return runner.train_dataloader.sampler.block_seconds()


def mmengine_runner(work_dir: str) -> list[float]:
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    runner = Runner(**runner_kwargs(work_dir, model_class(BaseModel)()))
    runner.train()
    return runner.train_dataloader.sampler.block_seconds()


def mmengine_available() -> bool:
    try:
        import mmengine.runner  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    torch.set_num_threads(1)
    logging.getLogger("treadle").setLevel(logging.WARNING)
    sides = {"hand": hand_written, "treadle": treadle_runner}
    if mmengine_available():
        sides["mmengine"] = mmengine_runner
    # per round, each side's fastest block; the budget figure is the median over rounds of
    # the ratio between sides timed next to each other (robust to the machine's drifts)
    fastest: dict[str, list[float]] = {name: [] for name in sides}
    with tempfile.TemporaryDirectory() as tmp:
        for round_index in range(ROUNDS):
            order = list(sides.items())
            if round_index % 2:
                order.reverse()
            for name, fn in order:
                fastest[name].append(min(fn(f"{tmp}/{name}-{round_index}")))
    hand = fastest["hand"]
    ratio = {
        name: statistics.median(t / h for t, h in zip(times, hand, strict=True))
        for name, times in fastest.items()
    }
    for name in sides:
        print(
            f"{name}: {min(fastest[name]) * 1e6:.1f} us per iteration in its fastest block; "
            f"{ratio[name]:.2f}x the hand-written loop (median over {ROUNDS} rounds of the "
            f"rounds' fastest blocks of {BLOCK})"
        )
    report("runner iteration vs hand-written loop", ratio["treadle"], 1.10, "x")
    if "mmengine" not in sides:
        print("MMEngine not importable: its Runner is not measured (nox -s bench installs it)")
    finish()


if __name__ == "__main__":
    main()
