"""Exponential schedulers: multiply by ``gamma`` every step."""

from __future__ import annotations

from typing import Any

from treadle.optim.scheduler.mixins import LRSchedulerMixin, MomentumSchedulerMixin
from treadle.optim.scheduler.param_scheduler import INF, Optimizer, _ParamScheduler
from treadle.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class ExponentialParamScheduler(_ParamScheduler):
    """Multiply by ``gamma`` at every step after the first."""

    def __init__(
        self,
        optimizer: Optimizer,
        param_name: str,
        gamma: float,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        self.gamma = gamma
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> list[Any]:
        groups = self.optimizer.param_groups
        if self.last_step == 0:
            return [group[self.param_name] for group in groups]
        return [group[self.param_name] * self.gamma for group in groups]


@PARAM_SCHEDULERS.register_module()
class ExponentialLR(LRSchedulerMixin, ExponentialParamScheduler):
    """:class:`ExponentialParamScheduler` for the learning rate."""


@PARAM_SCHEDULERS.register_module()
class ExponentialMomentum(MomentumSchedulerMixin, ExponentialParamScheduler):
    """:class:`ExponentialParamScheduler` for momentum."""
