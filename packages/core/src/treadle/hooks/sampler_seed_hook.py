"""``DistSamplerSeedHook``: tell the training sampler the epoch, so each epoch shuffles anew."""

from __future__ import annotations

from typing import Any

from treadle.hooks.hook import Hook
from treadle.registry import HOOKS


@HOOKS.register_module()
class DistSamplerSeedHook(Hook):
    """Call ``set_epoch(runner.epoch)`` on the train loader's sampler (or batch sampler's)."""

    priority = "NORMAL"

    def before_train_epoch(self, runner: Any) -> None:
        loader = runner.train_loop.dataloader
        sampler = getattr(loader, "sampler", None)
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(runner.epoch)
            return
        inner = getattr(getattr(loader, "batch_sampler", None), "sampler", None)
        if hasattr(inner, "set_epoch"):
            inner.set_epoch(runner.epoch)
