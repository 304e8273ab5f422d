"""``IterTimerHook``: time each iteration and its data loading, and estimate the time left."""

from __future__ import annotations

import time
from typing import Any

from treadle.hooks.hook import Hook
from treadle.logging.message_hub import PENDING_LIMIT
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
        self.time_sec_test_val = 0.0  # of the current val/test epoch
        self.start_iter = 0
        self.t = time.perf_counter()
        self._max_iters: int | None = None  # of the training run, read in before_train

    def before_train(self, runner: Any) -> None:
        self.time_sec_tot = 0.0
        self.start_iter = runner.iter
        self._max_iters = runner.max_iters

    # the training points are written out (not forwarded to _before_iter/_after_iter with
    # a mode) and write to the hub's pending_scalars/pending_infos: they run every iteration
    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        runner.message_hub.pending_scalars["train/data_time"].append(time.perf_counter() - self.t)

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        hub = runner.message_hub
        now = time.perf_counter()
        elapsed = now - self.t
        values = hub.pending_scalars["train/time"]
        values.append(elapsed)
        if len(values) > PENDING_LIMIT:  # nothing read the hub for a long while
            hub.fold_pending()
        self.t = now
        self.time_sec_tot += elapsed
        done = runner.iter
        mean = self.time_sec_tot / (done - self.start_iter + 1)
        max_iters = self._max_iters or runner.max_iters  # the latter if before_train never ran
        hub.pending_infos["eta"] = mean * (max_iters - done - 1)

    def _before_epoch(self, runner: Any, mode: str = "train") -> None:
        self.time_sec_test_val = 0.0
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
        if mode == "train":
            self.after_train_iter(runner, batch_idx, data_batch, outputs)
            return
        hub = runner.message_hub
        now = time.perf_counter()
        hub.update_scalar(f"{mode}/time", now - self.t)
        self.time_sec_test_val += now - self.t
        self.t = now
        loader = runner.val_dataloader if mode == "val" else runner.test_dataloader
        mean = self.time_sec_test_val / (batch_idx + 1)  # over this epoch's iterations
        hub.update_info("eta", mean * (len(loader) - batch_idx - 1))
