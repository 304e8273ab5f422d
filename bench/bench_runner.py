"""Budget of the Runner (issue 6): overhead per training iteration <= 1.10x a hand-written loop.

The job: ``Linear(16, 1)``, batch size 1, MSE, SGD, CPU, one thread. Both sides
iterate the same ``DataLoader`` (same dataset, same sampler, default collate) and
step the same kind of optimizer; the runner has its default hooks with a log
interval of 50. Each side trains one epoch of SHORT and one of LONG iterations per
round; the cost per iteration is the difference over LONG - SHORT iterations, so what
a run pays once (building the loop and optimizer, the checkpoint at the end of the
epoch) is not counted per iteration; the whole-run ratio at LONG is printed too.
Rounds alternate (the order flips each round) and each side keeps its best time per
length. MMEngine 0.10.7's Runner on the same job is reported beside ours when
``mmengine`` is importable (``nox -s bench`` installs it).
"""

from __future__ import annotations

import logging
import os
import tempfile
import time

import torch
import torch.nn.functional as F
from common import finish, report
from torch import nn
from torch.utils.data import DataLoader, Dataset

SHORT, LONG = 100, 1100
ROUNDS = 7


class Pairs(Dataset):
    def __init__(self, size: int) -> None:
        generator = torch.Generator().manual_seed(0)
        self.x = torch.randn(size, 16, generator=generator)
        self.y = torch.randn(size, 1, generator=generator)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.x[index], target=self.y[index])


def loader(iterations: int) -> DataLoader:
    from torch.utils.data import default_collate

    dataset = Pairs(iterations)
    sampler = torch.utils.data.SequentialSampler(dataset)
    return DataLoader(dataset, batch_size=1, sampler=sampler, collate_fn=default_collate)


def hand_written(work_dir: str, iterations: int) -> float:
    model = nn.Linear(16, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    data = loader(iterations)
    start = time.perf_counter()
    for batch in data:
        loss = F.mse_loss(model(batch["inputs"]), batch["target"])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start


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


def runner_kwargs(work_dir: str, model: nn.Module, iterations: int) -> dict:
    return dict(
        model=model,
        work_dir=work_dir,
        train_dataloader=loader(iterations),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        default_hooks=dict(logger=dict(type="LoggerHook", interval=50)),
        log_level="WARNING",
        experiment_name=os.path.basename(work_dir),  # one logger and message hub per run
    )


def treadle_runner(work_dir: str, iterations: int) -> float:
    from treadle.model import BaseModel
    from treadle.runner import Runner

    runner = Runner(**runner_kwargs(work_dir, model_class(BaseModel)(), iterations))
    start = time.perf_counter()
    runner.train()
    return time.perf_counter() - start


def mmengine_runner(work_dir: str, iterations: int) -> float:
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    runner = Runner(**runner_kwargs(work_dir, model_class(BaseModel)(), iterations))
    start = time.perf_counter()
    runner.train()
    return time.perf_counter() - start


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
    best = {(name, n): float("inf") for name in sides for n in (SHORT, LONG)}
    with tempfile.TemporaryDirectory() as tmp:
        for name, fn in sides.items():
            fn(f"{tmp}/warm-{name}", SHORT)
        for round_index in range(ROUNDS):
            order = list(sides.items())
            if round_index % 2:
                order.reverse()
            for name, fn in order:
                for n in (SHORT, LONG):
                    seconds = fn(f"{tmp}/{name}-{n}-{round_index}", n)
                    best[name, n] = min(best[name, n], seconds)
    per_iter = {name: (best[name, LONG] - best[name, SHORT]) / (LONG - SHORT) for name in sides}
    whole = {name: best[name, LONG] / LONG for name in sides}
    hand = per_iter["hand"]
    for name in sides:
        print(
            f"{name}: {per_iter[name] * 1e6:.1f} us per iteration "
            f"({per_iter[name] / hand:.2f}x the hand-written loop); whole {LONG}-iteration "
            f"run {whole[name] / whole['hand']:.2f}x"
        )
    report("runner iteration vs hand-written loop", per_iter["treadle"] / hand, 1.10, "x")
    if "mmengine" not in sides:
        print("MMEngine not importable: its Runner is not measured (nox -s bench installs it)")
    finish()


if __name__ == "__main__":
    main()
