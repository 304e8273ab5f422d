"""``SyncBuffersHook``: average model buffers (e.g. BatchNorm statistics) across ranks."""

from __future__ import annotations

from typing import Any

from treadle.dist import all_reduce_params, is_distributed
from treadle.hooks.hook import Hook
from treadle.registry import HOOKS


@HOOKS.register_module()
class SyncBuffersHook(Hook):
    """All-reduce (mean) the model's floating-point buffers after each training epoch, and
    before validation when the epoch end did not (iteration-based training)."""

    priority = "NORMAL"

    def __init__(self) -> None:
        self.distributed = False
        self.called_in_train = False

    def before_run(self, runner: Any) -> None:
        self.distributed = is_distributed()

    def after_train_epoch(self, runner: Any) -> None:
        if self.distributed:
            _average_buffers(runner.model)
            self.called_in_train = True

    def before_val_epoch(self, runner: Any) -> None:
        if self.distributed:
            if not self.called_in_train:
                _average_buffers(runner.model)
            self.called_in_train = False


def _average_buffers(model: Any) -> None:
    """Mean of the floating-point buffers over ranks, one collective per dtype (integer
    buffers such as BatchNorm's ``num_batches_tracked`` agree already)."""
    floats = [buffer for buffer in model.buffers() if buffer.dtype.is_floating_point]
    all_reduce_params(floats, op="mean")
