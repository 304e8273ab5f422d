"""``ParamSchedulerHook``: step the runner's parameter schedulers at the right moments.

Iteration-based schedulers step after every training iteration, epoch-based ones
after every training epoch; schedulers that need validation results
(``need_val_args``, e.g. ReduceOnPlateau) are stepped with the metrics after each
validation epoch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from treadle.hooks.hook import Hook
from treadle.registry import HOOKS


def _each_scheduler(runner: Any) -> Iterable[Any]:
    """The schedulers of ``runner.param_schedulers``: a list, or a dict of lists (one per
    optimizer wrapper)."""
    schedulers = runner.param_schedulers
    if isinstance(schedulers, list):
        return schedulers
    if isinstance(schedulers, dict):
        return [s for group in schedulers.values() for s in _as_list(group, schedulers)]
    raise TypeError(
        "runner.param_schedulers must be a list of parameter schedulers or a dict of such "
        f"lists (one per optimizer wrapper), got {type(schedulers).__name__}: {schedulers!r}"
    )


def _as_list(group: Any, schedulers: dict) -> list:
    if not isinstance(group, list):
        raise TypeError(
            "each value of runner.param_schedulers (a dict) must be a list of schedulers, "
            f"got {type(group).__name__} in {schedulers!r}"
        )
    return group


def _still_configs(schedulers: Any) -> bool:
    """True while ``schedulers`` are configs: ``runner.val()`` never builds them."""
    if isinstance(schedulers, dict):
        return "type" in schedulers or any(_still_configs(g) for g in schedulers.values())
    return isinstance(schedulers, list) and any(isinstance(s, dict) for s in schedulers)


@HOOKS.register_module()
class ParamSchedulerHook(Hook):
    """Advance iteration-based schedulers per iteration and epoch-based ones per epoch."""

    priority = "LOW"

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        if runner.param_schedulers is not None:  # checked first: no closure per iteration
            self._step(runner, lambda s: not s.by_epoch)

    def after_train_epoch(self, runner: Any) -> None:
        self._step(runner, lambda s: s.by_epoch)

    def after_val_epoch(self, runner: Any, metrics: dict[str, float] | None = None) -> None:
        # training steps were counted above; here only judge the metrics
        if (
            runner.param_schedulers is None
            or metrics is None
            or _still_configs(runner.param_schedulers)
        ):
            return
        for scheduler in _each_scheduler(runner):
            if scheduler.by_epoch and getattr(scheduler, "need_val_args", False):
                scheduler.step(metrics)

    @staticmethod
    def _step(runner: Any, selected: Callable[[Any], bool]) -> None:
        if runner.param_schedulers is None:
            return
        for scheduler in _each_scheduler(runner):
            if selected(scheduler):
                scheduler.step()
