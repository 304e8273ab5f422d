"""``RuntimeInfoHook``: keep the runner's message hub current (epoch, iter, lr, losses, metrics).

Other hooks and the log processor read these keys; checkpoints save the hub, so a
resumed run finds them again.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import torch

from treadle import __version__
from treadle.hooks.hook import Hook
from treadle.logging.message_hub import PENDING_LIMIT
from treadle.registry import HOOKS


def _is_scalar(value: Any) -> bool:
    """A number, or a one-element array/tensor: what goes into a scalar history."""
    if isinstance(value, torch.Tensor):  # first: the losses of every training iteration
        return value.numel() == 1
    if isinstance(value, numbers.Number):
        return True
    if isinstance(value, (np.ndarray, np.number)):
        return value.size == 1 and value.ndim <= 1
    return False


@HOOKS.register_module()
class RuntimeInfoHook(Hook):
    """Write loop state, learning rates, losses and metrics into ``runner.message_hub``.

    Keys (MMEngine's): ``cfg``, ``seed``, ``experiment_name``, ``loop_stage``, ``epoch``,
    ``iter``, ``max_epochs``, ``max_iters``, ``dataset_meta`` (infos); ``train/<lr key>``,
    ``train/<loss>``, ``val/<metric>``, ``test/<metric>`` (scalars; non-scalar outputs
    and metrics go to infos under the same names).
    """

    priority = "VERY_HIGH"

    def __init__(self) -> None:
        self.last_loop_stage: str | None = None

    def before_run(self, runner: Any) -> None:
        cfg = runner.cfg
        hub = runner.message_hub
        hub.update_info("cfg", getattr(cfg, "pretty_text", cfg))
        hub.update_info("seed", runner.seed)
        hub.update_info("experiment_name", runner.experiment_name)
        hub.update_info("treadle_version", __version__)  # MMEngine's: mmengine_version
        self.last_loop_stage = None

    def before_train(self, runner: Any) -> None:
        hub = runner.message_hub
        hub.update_info("loop_stage", "train")
        hub.update_info("epoch", runner.epoch)
        hub.update_info("iter", runner.iter)
        hub.update_info("max_epochs", runner.max_epochs)
        hub.update_info("max_iters", runner.max_iters)
        dataset = getattr(runner.train_dataloader, "dataset", None)
        if hasattr(dataset, "metainfo"):
            hub.update_info("dataset_meta", dataset.metainfo)

    def after_train(self, runner: Any) -> None:
        runner.message_hub.pop_info("loop_stage")

    def before_train_epoch(self, runner: Any) -> None:
        runner.message_hub.update_info("epoch", runner.epoch)

    # The two iteration points run every step: they write to the hub's pending_scalars and
    # pending_infos (no calls; the hub folds them in before they are read).
    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        hub = runner.message_hub
        hub.pending_infos["iter"] = runner.iter
        lrs = runner.optim_wrapper.get_lr()
        if type(lrs) is not dict and not isinstance(lrs, dict):
            raise TypeError(
                f"runner.optim_wrapper.get_lr() must return a dict of name -> list of lrs "
                f"(as OptimWrapper does), got {type(lrs).__name__}"
            )
        pending = hub.pending_scalars
        for name, values in lrs.items():
            pending["train/" + name].append(values[0])

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        if outputs is None:
            return
        hub = runner.message_hub
        pending = hub.pending_scalars
        values: list = []
        for key, value in outputs.items():
            if isinstance(value, torch.Tensor):  # the losses: kept as numbers, no graph kept
                try:
                    number = value.item()
                except RuntimeError:
                    if value.numel() == 1:  # a real failure (e.g. from the device)
                        raise
                    self._record_one(hub, "train", key, value)  # not a scalar: an info
                    continue
                values = pending["train/" + key]
                values.append(number)
            else:
                self._record_one(hub, "train", key, value)
        if len(values) > PENDING_LIMIT:  # nothing read the hub for a long while
            hub.fold_pending()

    def before_val(self, runner: Any) -> None:
        hub = runner.message_hub
        self.last_loop_stage = hub.get_info("loop_stage")
        hub.update_info("loop_stage", "val")

    def after_val_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        if metrics:
            self._record(runner, "val", metrics)

    def after_val(self, runner: Any) -> None:
        # validation inside training returns to the 'train' stage
        if self.last_loop_stage == "train":
            runner.message_hub.update_info("loop_stage", self.last_loop_stage)
            self.last_loop_stage = None
        else:
            runner.message_hub.pop_info("loop_stage")

    def before_test(self, runner: Any) -> None:
        runner.message_hub.update_info("loop_stage", "test")

    def after_test(self, runner: Any) -> None:
        runner.message_hub.pop_info("loop_stage")

    def after_test_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        if metrics:
            self._record(runner, "test", metrics)

    @classmethod
    def _record(cls, runner: Any, mode: str, values: dict[str, Any]) -> None:
        hub = runner.message_hub
        for key, value in values.items():
            cls._record_one(hub, mode, key, value)

    @staticmethod
    def _record_one(hub: Any, mode: str, key: str, value: Any) -> None:
        """A scalar into the history ``<mode>/<key>``, anything else into the info."""
        if _is_scalar(value):
            hub.update_scalar(f"{mode}/{key}", value)
        else:
            hub.update_info(f"{mode}/{key}", value)
