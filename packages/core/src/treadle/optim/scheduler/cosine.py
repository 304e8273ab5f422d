"""Cosine schedulers: annealing over ``T_max`` steps, and annealing with restarts."""

from __future__ import annotations

import math
from itertools import accumulate
from typing import Any

from treadle.optim.scheduler.mixins import LRSchedulerMixin, MomentumSchedulerMixin
from treadle.optim.scheduler.param_scheduler import INF, Optimizer, _ParamScheduler
from treadle.registry import PARAM_SCHEDULERS


def _check_eta_min(name: str, eta_min: float | None, eta_min_ratio: float | None) -> float:
    if eta_min is not None and eta_min_ratio is not None:
        raise ValueError(
            f"{name}: give eta_min (an absolute floor) or eta_min_ratio (a fraction of the "
            f"initial value), not both; got eta_min={eta_min}, eta_min_ratio={eta_min_ratio}"
        )
    return 0.0 if eta_min is None else eta_min


@PARAM_SCHEDULERS.register_module()
class CosineAnnealingParamScheduler(_ParamScheduler):
    """Anneal from the initial value to ``eta_min`` along a half cosine of ``T_max`` steps.

    Args:
        T_max: steps of the half period; defaults to ``end - begin``.
        eta_min: the floor; default 0.
        eta_min_ratio: the floor as a fraction of the initial value (instead of ``eta_min``).
    """

    _epoch_args = ("T_max",)

    def __init__(
        self,
        optimizer: Optimizer,
        param_name: str,
        T_max: int | None = None,
        eta_min: float | None = None,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
        eta_min_ratio: float | None = None,
    ) -> None:
        self.eta_min = _check_eta_min(type(self).__name__, eta_min, eta_min_ratio)
        self.eta_min_ratio = eta_min_ratio
        self.T_max = T_max or end - begin
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _floor(self, base_value: float) -> float:
        return self.eta_min if self.eta_min_ratio is None else base_value * self.eta_min_ratio

    def _get_value(self) -> list[Any]:
        groups = self.optimizer.param_groups
        name, step, t_max = self.param_name, self.last_step, self.T_max
        if step == 0:
            return [group[name] for group in groups]
        if (step - 1 - t_max) % (2 * t_max) == 0:
            return [
                group[name] + (base - self._floor(base)) * (1 - math.cos(math.pi / t_max)) / 2
                for base, group in zip(self.base_values, groups, strict=True)
            ]
        ratio = (1 + math.cos(math.pi * step / t_max)) / (
            1 + math.cos(math.pi * (step - 1) / t_max)
        )
        return [
            ratio * (group[name] - self._floor(base)) + self._floor(base)
            for base, group in zip(self.base_values, groups, strict=True)
        ]


@PARAM_SCHEDULERS.register_module()
class CosineRestartParamScheduler(_ParamScheduler):
    """Cosine annealing restarted at the end of each period (SGDR).

    Args:
        periods: the length of each cycle, in steps.
        restart_weights: the initial value of each cycle is ``base * weight``.
        eta_min: the floor; default 0.
        eta_min_ratio: the floor as a fraction of the initial value (instead of ``eta_min``).

    After the last period the values stay where they are.
    """

    _epoch_args = ("periods",)

    def __init__(
        self,
        optimizer: Optimizer,
        param_name: str,
        periods: list[int],
        restart_weights: list[float] | tuple[float, ...] = (1,),
        eta_min: float | None = None,
        eta_min_ratio: float | None = None,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        name = type(self).__name__
        self.eta_min = _check_eta_min(name, eta_min, eta_min_ratio)
        self.eta_min_ratio = eta_min_ratio
        if len(periods) != len(restart_weights):
            raise ValueError(
                f"{name}: periods ({len(periods)} items) and restart_weights "
                f"({len(restart_weights)} items) must have the same length"
            )
        self.periods = list(periods)
        self.restart_weights = list(restart_weights)
        self.cumulative_periods = list(accumulate(self.periods))
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> list[Any]:
        groups = self.optimizer.param_groups
        index = next((i for i, p in enumerate(self.cumulative_periods) if self.last_step < p), None)
        if index is None:
            return [group[self.param_name] for group in groups]
        start = 0 if index == 0 else self.cumulative_periods[index - 1]
        step = self.last_step - start
        weight = self.restart_weights[index]
        values = []
        for base in self.base_values:
            eta_max = base * weight
            floor = self.eta_min if self.eta_min_ratio is None else base * self.eta_min_ratio
            if step == 0:
                values.append(eta_max)
            else:
                cosine = 1 + math.cos(math.pi * step / self.periods[index])
                values.append(floor + 0.5 * (eta_max - floor) * cosine)
        return values


@PARAM_SCHEDULERS.register_module()
class CosineAnnealingLR(LRSchedulerMixin, CosineAnnealingParamScheduler):
    """:class:`CosineAnnealingParamScheduler` for the learning rate."""


@PARAM_SCHEDULERS.register_module()
class CosineAnnealingMomentum(MomentumSchedulerMixin, CosineAnnealingParamScheduler):
    """:class:`CosineAnnealingParamScheduler` for momentum."""


@PARAM_SCHEDULERS.register_module()
class CosineRestartLR(LRSchedulerMixin, CosineRestartParamScheduler):
    """:class:`CosineRestartParamScheduler` for the learning rate."""


@PARAM_SCHEDULERS.register_module()
class CosineRestartMomentum(MomentumSchedulerMixin, CosineRestartParamScheduler):
    """:class:`CosineRestartParamScheduler` for momentum."""
