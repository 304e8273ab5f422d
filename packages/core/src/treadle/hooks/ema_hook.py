"""``EMAHook``: keep an averaged copy of the model, validate/test with it, checkpoint it.

The averaged model (``treadle.model``'s ``ExponentialMovingAverage`` by default) is
updated after every training iteration once ``begin_iter``/``begin_epoch`` is
reached; before that it simply copies the source weights. Validation and test run
with the averaged weights swapped into the model. Checkpoints hold the averaged
weights under ``state_dict`` (ready for deployment) and the source weights under
``ema_state_dict``; resuming swaps them back.
"""

from __future__ import annotations

import copy
import itertools
import logging
from typing import Any

from treadle.hooks.hook import Hook
from treadle.model import is_model_wrapper
from treadle.registry import HOOKS, MODELS

logger = logging.getLogger(__name__)


@HOOKS.register_module()
class EMAHook(Hook):
    """Maintain an averaged model and use it for validation, test and checkpoints.

    Args:
        ema_type: a registered averaged-model type (``ExponentialMovingAverage``,
            ``MomentumAnnealingEMA``, ``StochasticWeightAverage`` or your own).
        strict_load: load ``ema_state_dict`` strictly from checkpoints.
        begin_iter: the iteration at which averaging starts (exclusive with begin_epoch).
        begin_epoch: the epoch at which averaging starts.
        **kwargs: passed to the averaged model (``momentum``, ``interval``, ``update_buffers``...).
    """

    priority = "NORMAL"

    def __init__(
        self,
        ema_type: str = "ExponentialMovingAverage",
        strict_load: bool = False,
        begin_iter: int = 0,
        begin_epoch: int = 0,
        **kwargs: Any,
    ) -> None:
        if begin_iter != 0 and begin_epoch != 0:
            raise ValueError(
                f"EMAHook: set begin_iter ({begin_iter}) or begin_epoch ({begin_epoch}), not both"
            )
        if begin_iter < 0 or begin_epoch < 0:
            raise ValueError(
                f"EMAHook: begin_iter and begin_epoch must be >= 0, got {begin_iter}, {begin_epoch}"
            )
        self.ema_cfg = dict(type=ema_type, **kwargs)
        self.strict_load = strict_load
        self.begin_iter = begin_iter
        self.begin_epoch = begin_epoch
        self.enabled_by_epoch = begin_epoch > 0

    def before_run(self, runner: Any) -> None:
        model = runner.model
        self.src_model = model.module if is_model_wrapper(model) else model
        self.ema_model = MODELS.build(self.ema_cfg, default_args=dict(model=self.src_model))

    def before_train(self, runner: Any) -> None:
        if self.enabled_by_epoch and self.begin_epoch > runner.max_epochs:
            raise ValueError(
                f"EMAHook: begin_epoch ({self.begin_epoch}) is beyond max_epochs "
                f"({runner.max_epochs}): the average would never start"
            )
        if not self.enabled_by_epoch and self.begin_iter > runner.max_iters:
            raise ValueError(
                f"EMAHook: begin_iter ({self.begin_iter}) is beyond max_iters "
                f"({runner.max_iters}): the average would never start"
            )

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        if self._ema_started(runner):
            self.ema_model.update_parameters(self.src_model)
        else:
            source = self.src_model.state_dict()
            for key, value in self.ema_model.module.state_dict().items():
                value.data.copy_(source[key].data)

    def before_val_epoch(self, runner: Any) -> None:
        self._swap_ema_parameters()

    def after_val_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        self._swap_ema_parameters()

    def before_test_epoch(self, runner: Any) -> None:
        self._swap_ema_parameters()

    def after_test_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        self._swap_ema_parameters()

    def before_save_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        checkpoint["ema_state_dict"] = self.ema_model.state_dict()
        # the checkpoint's state_dict then holds the averaged weights, ready to deploy
        self._swap_ema_state_dict(checkpoint)

    def after_load_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        resuming = runner._resume
        if "ema_state_dict" in checkpoint and resuming:
            # state_dict holds the averaged weights: swap back before restoring both
            self._swap_ema_state_dict(checkpoint)
            self.ema_model.load_state_dict(checkpoint["ema_state_dict"], strict=self.strict_load)
            return
        if resuming:
            logger.warning(
                "The checkpoint has no 'ema_state_dict'; EMAHook starts the average from a "
                "copy of its 'state_dict'."
            )
        # as the model's own load: keys or shapes that do not fit (a fine-tuned head) are
        # reported and skipped unless strict_load
        from treadle.runner.checkpoint import load_state_dict

        load_state_dict(
            self.ema_model.module, copy.deepcopy(checkpoint["state_dict"]), self.strict_load
        )

    def _swap_ema_parameters(self) -> None:
        ema, src = self.ema_model.module, self.src_model
        if self.ema_model.update_buffers:
            pairs = zip(
                itertools.chain(ema.parameters(), ema.buffers()),
                itertools.chain(src.parameters(), src.buffers()),
                strict=True,
            )
        else:
            pairs = zip(ema.parameters(), src.parameters(), strict=True)
        for averaged, source in pairs:
            kept = averaged.data.clone()
            averaged.data.copy_(source.data)
            source.data.copy_(kept)

    @staticmethod
    def _swap_ema_state_dict(checkpoint: dict) -> None:
        model_state = checkpoint["state_dict"]
        ema_state = checkpoint["ema_state_dict"]
        for key in ema_state:
            if key.startswith("module."):
                name = key[len("module.") :]
                ema_state[key], model_state[name] = model_state[name], ema_state[key]

    def _ema_started(self, runner: Any) -> bool:
        if self.enabled_by_epoch:
            return runner.epoch + 1 >= self.begin_epoch
        return runner.iter + 1 >= self.begin_iter
