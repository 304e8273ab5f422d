"""``DistSamplerSeedHook``: tell the training sampler the epoch, so each epoch shuffles anew."""

from __future__ import annotations

from typing import Any

from treadle.dataset.sampler import epoch_sampler
from treadle.hooks.hook import Hook
from treadle.registry import HOOKS


@HOOKS.register_module()
class DistSamplerSeedHook(Hook):
    """Call ``set_epoch(runner.epoch)`` on the train loader's sampler (or batch sampler's)."""

    priority = "NORMAL"

    def before_train_epoch(self, runner: Any) -> None:
        sampler = epoch_sampler(runner.train_loop.dataloader)
        if sampler is not None:
            sampler.set_epoch(runner.epoch)
