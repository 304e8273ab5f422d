"""``Hook``: the 22 points a runner calls, as no-ops, plus helpers to decide when to act.

Subclass and override the points you need. The train/val/test epoch and iteration
points forward to ``_before_epoch``/``_after_epoch``/``_before_iter``/``_after_iter``
with a ``mode`` argument, so a hook acting the same way in every mode overrides just
those. The runner's dispatcher calls a hook only at the points it overrides
(:meth:`Hook.get_triggered_stages`), so an idle point costs nothing.

Torch-free: plugins can subclass ``Hook`` without importing torch.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at runtime: import cost
if TYPE_CHECKING:
    from collections.abc import Sized
    from typing import Any

    from treadle.hooks.priority import Priority


class Hook:
    """Base of every runner hook; ``priority`` orders hooks (lower value runs first)."""

    priority: int | str | Priority = "NORMAL"

    #: the hook points, in the order a training run reaches them
    stages: tuple[str, ...] = (
        "before_run",
        "after_load_checkpoint",
        "before_train",
        "before_train_epoch",
        "before_train_iter",
        "after_train_iter",
        "after_train_epoch",
        "before_val",
        "before_val_epoch",
        "before_val_iter",
        "after_val_iter",
        "after_val_epoch",
        "after_val",
        "before_save_checkpoint",
        "after_train",
        "before_test",
        "before_test_epoch",
        "before_test_iter",
        "after_test_iter",
        "after_test_epoch",
        "after_test",
        "after_run",
    )

    # -- whole run -------------------------------------------------------------------------
    def before_run(self, runner: Any) -> None:
        """Before anything else: the runner is built."""

    def after_run(self, runner: Any) -> None:
        """After everything, just before the runner returns."""

    def before_train(self, runner: Any) -> None:
        """Before the first training epoch/iteration."""

    def after_train(self, runner: Any) -> None:
        """After the last training epoch/iteration."""

    def before_val(self, runner: Any) -> None:
        """Before a validation run."""

    def after_val(self, runner: Any) -> None:
        """After a validation run."""

    def before_test(self, runner: Any) -> None:
        """Before a test run."""

    def after_test(self, runner: Any) -> None:
        """After a test run."""

    def before_save_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        """Before ``checkpoint`` (a dict, modifiable) is written."""

    def after_load_checkpoint(self, runner: Any, checkpoint: dict) -> None:
        """After ``checkpoint`` was loaded (resume or load_from)."""

    # -- epochs ----------------------------------------------------------------------------
    def before_train_epoch(self, runner: Any) -> None:
        """Before each training epoch."""
        self._before_epoch(runner, mode="train")

    def before_val_epoch(self, runner: Any) -> None:
        """Before each validation epoch."""
        self._before_epoch(runner, mode="val")

    def before_test_epoch(self, runner: Any) -> None:
        """Before each test epoch."""
        self._before_epoch(runner, mode="test")

    def after_train_epoch(self, runner: Any) -> None:
        """After each training epoch."""
        self._after_epoch(runner, mode="train")

    def after_val_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        """After each validation epoch, with the evaluator's ``metrics``."""
        self._after_epoch(runner, mode="val")

    def after_test_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        """After each test epoch, with the evaluator's ``metrics``."""
        self._after_epoch(runner, mode="test")

    # -- iterations ------------------------------------------------------------------------
    def before_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        """Before each training iteration."""
        self._before_iter(runner, batch_idx=batch_idx, data_batch=data_batch, mode="train")

    def before_val_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        """Before each validation iteration."""
        self._before_iter(runner, batch_idx=batch_idx, data_batch=data_batch, mode="val")

    def before_test_iter(self, runner: Any, batch_idx: int, data_batch: Any = None) -> None:
        """Before each test iteration."""
        self._before_iter(runner, batch_idx=batch_idx, data_batch=data_batch, mode="test")

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        """After each training iteration; ``outputs`` holds the parsed losses."""
        self._after_iter(
            runner, batch_idx=batch_idx, data_batch=data_batch, outputs=outputs, mode="train"
        )

    def after_val_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        """After each validation iteration; ``outputs`` holds the model's predictions."""
        self._after_iter(
            runner, batch_idx=batch_idx, data_batch=data_batch, outputs=outputs, mode="val"
        )

    def after_test_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        """After each test iteration; ``outputs`` holds the model's predictions."""
        self._after_iter(
            runner, batch_idx=batch_idx, data_batch=data_batch, outputs=outputs, mode="test"
        )

    # -- mode-generic helpers the points above forward to ----------------------------------
    def _before_epoch(self, runner: Any, mode: str = "train") -> None:
        """Before each epoch of ``mode`` ('train', 'val' or 'test')."""

    def _after_epoch(self, runner: Any, mode: str = "train") -> None:
        """After each epoch of ``mode``."""

    def _before_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, mode: str = "train"
    ) -> None:
        """Before each iteration of ``mode``."""

    def _after_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: Any = None,
        outputs: Any = None,
        mode: str = "train",
    ) -> None:
        """After each iteration of ``mode``."""

    # -- when to act -----------------------------------------------------------------------
    def every_n_epochs(self, runner: Any, n: int, start: int = 0) -> bool:
        """Whether the current epoch (counted from ``start``) is a multiple of ``n``."""
        done = runner.epoch + 1 - start
        return n > 0 and done >= 0 and done % n == 0

    def every_n_inner_iters(self, batch_idx: int, n: int, start: int = 0) -> bool:
        """Whether the iteration within the epoch (counted from ``start``) is a multiple of n."""
        done = batch_idx + 1 - start
        return n > 0 and done >= 0 and done % n == 0

    def every_n_train_iters(self, runner: Any, n: int, start: int = 0) -> bool:
        """Whether the global training iteration (counted from ``start``) is a multiple of n."""
        done = runner.iter + 1 - start
        return n > 0 and done >= 0 and done % n == 0

    def end_of_epoch(self, dataloader: Sized, batch_idx: int) -> bool:
        """Whether ``batch_idx`` is the last batch of ``dataloader``."""
        return batch_idx + 1 == len(dataloader)

    def is_last_train_epoch(self, runner: Any) -> bool:
        """Whether the current epoch is the last training epoch."""
        return runner.epoch + 1 == runner.max_epochs

    def is_last_train_iter(self, runner: Any) -> bool:
        """Whether the current iteration is the last training iteration."""
        return runner.iter + 1 == runner.max_iters

    def get_triggered_stages(self) -> list[str]:
        """The points this hook acts at (overridden here or through a ``_*`` helper), in
        :attr:`stages` order."""
        cls = type(self)
        triggered = {stage for stage in self.stages if _overrides(cls, stage)}
        for helper, stages in _HELPER_STAGES.items():
            if _overrides(cls, helper):
                triggered.update(stages)
        return [stage for stage in self.stages if stage in triggered]


def _overrides(cls: type, name: str) -> bool:
    return getattr(cls, name) is not getattr(Hook, name)


_HELPER_STAGES: dict[str, tuple[str, ...]] = {
    "_before_epoch": ("before_train_epoch", "before_val_epoch", "before_test_epoch"),
    "_after_epoch": ("after_train_epoch", "after_val_epoch", "after_test_epoch"),
    "_before_iter": ("before_train_iter", "before_val_iter", "before_test_iter"),
    "_after_iter": ("after_train_iter", "after_val_iter", "after_test_iter"),
}
