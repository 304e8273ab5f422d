"""``IterTimerHook``: time each iteration and its data loading, and estimate the time left."""

from __future__ import annotations

import time
from typing import Any

from treadle.hooks.hook import Hook
from treadle.registry import HOOKS


@HOOKS.register_module()
class IterTimerHook(Hook):
    """Record ``<mode>/data_time`` and ``<mode>/time`` scalars and the ``eta`` info (seconds).

    ``data_time`` is the wait for the batch (from the end of the previous iteration);
    ``time`` is the whole iteration including it.
    """

    priority = "NORMAL"

    def __init__(self) -> None:
        self.time_sec_tot = 0.0
        self.start_iter = 0
        self.t = time.perf_counter()

    def before_train(self, runner: Any) -> None:
        self.time_sec_tot = 0.0
        self.start_iter = runner.iter

    def _before_epoch(self, runner: Any, mode: str = "train") -> None:
        self.t = time.perf_counter()

    def _before_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, mode: str = "train"
    ) -> None:
        runner.message_hub.update_scalar(f"{mode}/data_time", time.perf_counter() - self.t)

    def _after_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: Any = None,
        outputs: Any = None,
        mode: str = "train",
    ) -> None:
        hub = runner.message_hub
        now = time.perf_counter()
        elapsed = now - self.t  # the value the `<mode>/time` history now ends with
        hub.update_scalar(f"{mode}/time", elapsed)
        self.t = now
        if mode == "train":
            self.time_sec_tot += elapsed
            done = runner.iter
            mean = self.time_sec_tot / (done - self.start_iter + 1)
            hub.update_info("eta", mean * (runner.max_iters - done - 1))
        else:
            loader = runner.val_dataloader if mode == "val" else runner.test_dataloader
            iter_time = hub.get_scalar(f"{mode}/time")
            hub.update_info("eta", iter_time.mean() * (len(loader) - batch_idx - 1))
