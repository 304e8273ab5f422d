"""Step schedulers: multiply by ``gamma`` every ``step_size`` steps or at ``milestones``."""

from __future__ import annotations

from typing import Any

from treadle.optim.scheduler.mixins import LRSchedulerMixin, MomentumSchedulerMixin
from treadle.optim.scheduler.param_scheduler import INF, Optimizer, _ParamScheduler
from treadle.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class StepParamScheduler(_ParamScheduler):
    """Multiply by ``gamma`` every ``step_size`` steps of the scheduler."""

    _epoch_args = ("step_size",)

    def __init__(
        self,
        optimizer: Optimizer,
        param_name: str,
        step_size: int,
        gamma: float = 0.1,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        if not isinstance(step_size, int) or step_size < 1:
            raise ValueError(
                f"{type(self).__name__}: step_size must be an int >= 1, got {step_size!r}"
            )
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> list[Any]:
        groups = self.optimizer.param_groups
        if self.last_step == 0 or self.last_step % self.step_size != 0:
            return [group[self.param_name] for group in groups]
        return [group[self.param_name] * self.gamma for group in groups]


@PARAM_SCHEDULERS.register_module()
class MultiStepParamScheduler(_ParamScheduler):
    """Multiply by ``gamma`` at each milestone (a repeated milestone multiplies again)."""

    _epoch_args = ("milestones",)

    def __init__(
        self,
        optimizer: Optimizer,
        param_name: str,
        milestones: list[int],
        gamma: float = 0.1,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        # a plain dict, not a Counter: state dicts stay loadable with weights_only=True
        self.milestones: dict[int, int] = {}
        for milestone in milestones:
            self.milestones[milestone] = self.milestones.get(milestone, 0) + 1
        self.gamma = gamma
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> list[Any]:
        groups = self.optimizer.param_groups
        count = self.milestones.get(self.last_step, 0)
        if count == 0:
            return [group[self.param_name] for group in groups]
        return [group[self.param_name] * self.gamma**count for group in groups]


@PARAM_SCHEDULERS.register_module()
class StepLR(LRSchedulerMixin, StepParamScheduler):
    """:class:`StepParamScheduler` for the learning rate."""


@PARAM_SCHEDULERS.register_module()
class StepMomentum(MomentumSchedulerMixin, StepParamScheduler):
    """:class:`StepParamScheduler` for momentum."""


@PARAM_SCHEDULERS.register_module()
class MultiStepLR(LRSchedulerMixin, MultiStepParamScheduler):
    """:class:`MultiStepParamScheduler` for the learning rate."""


@PARAM_SCHEDULERS.register_module()
class MultiStepMomentum(MomentumSchedulerMixin, MultiStepParamScheduler):
    """:class:`MultiStepParamScheduler` for momentum."""
