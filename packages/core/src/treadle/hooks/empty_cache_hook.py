"""``EmptyCacheHook``: release PyTorch's cached accelerator memory between epochs/iterations."""

from __future__ import annotations

from typing import Any

import torch

from treadle.hooks.hook import Hook
from treadle.registry import HOOKS


@HOOKS.register_module()
class EmptyCacheHook(Hook):
    """Call ``torch.cuda.empty_cache()`` before/after epochs and/or after iterations.

    Args:
        before_epoch: empty the cache before each train/val/test epoch.
        after_epoch: empty it after each epoch.
        after_iter: empty it after each iteration (slow: the allocator refills each time).
    """

    priority = "NORMAL"

    def __init__(
        self, before_epoch: bool = False, after_epoch: bool = True, after_iter: bool = False
    ) -> None:
        self._do_before_epoch = before_epoch
        self._do_after_epoch = after_epoch
        self._do_after_iter = after_iter

    def get_triggered_stages(self) -> list[str]:
        """Only the points the flags enable, so a disabled flag costs no call."""
        wanted = set()
        if self._do_before_epoch:
            wanted.update(("before_train_epoch", "before_val_epoch", "before_test_epoch"))
        if self._do_after_epoch:
            wanted.update(("after_train_epoch", "after_val_epoch", "after_test_epoch"))
        if self._do_after_iter:
            wanted.update(("after_train_iter", "after_val_iter", "after_test_iter"))
        return [stage for stage in super().get_triggered_stages() if stage in wanted]

    def _after_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: Any = None,
        outputs: Any = None,
        mode: str = "train",
    ) -> None:
        if self._do_after_iter:
            torch.cuda.empty_cache()

    def _before_epoch(self, runner: Any, mode: str = "train") -> None:
        if self._do_before_epoch:
            torch.cuda.empty_cache()

    def _after_epoch(self, runner: Any, mode: str = "train") -> None:
        if self._do_after_epoch:
            torch.cuda.empty_cache()
