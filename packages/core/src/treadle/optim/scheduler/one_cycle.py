"""The 1cycle policy: warm up to ``eta_max``, then anneal far below the start."""

from __future__ import annotations

import math
from typing import Any

from treadle.optim.scheduler.mixins import LRSchedulerMixin
from treadle.optim.scheduler.param_scheduler import INF, Optimizer, _ParamScheduler
from treadle.registry import PARAM_SCHEDULERS


def _anneal_cos(start: float, end: float, pct: float) -> float:
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def _anneal_linear(start: float, end: float, pct: float) -> float:
    return (end - start) * pct + start


@PARAM_SCHEDULERS.register_module()
class OneCycleParamScheduler(_ParamScheduler):
    """The 1cycle policy (Smith & Topin): up to ``eta_max``, then down to a tiny value.

    Args:
        eta_max: peak value, one float or one per param group.
        total_steps: cycle length; defaults to ``end - begin``.
        pct_start: fraction of the cycle spent rising.
        anneal_strategy: ``'cos'`` or ``'linear'``.
        div_factor: the start value is ``eta_max / div_factor``.
        final_div_factor: the final value is ``start / final_div_factor``.
        three_phase: rise, fall back to the start, then anneal to the final value.
    """

    _epoch_args = ("total_steps",)

    def __init__(
        self,
        optimizer: Optimizer,
        param_name: str,
        eta_max: float | list[float] = 0,
        total_steps: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        name = type(self).__name__
        groups = optimizer.param_groups
        if total_steps is None:
            if end == INF:
                raise ValueError(f"{name}: give total_steps or a finite end")
            total_steps = end - begin
        if not isinstance(total_steps, int) or total_steps <= 0:
            raise ValueError(f"{name}: total_steps must be a positive int, got {total_steps!r}")
        if not 0 <= pct_start <= 1:
            raise ValueError(f"{name}: pct_start must be a float in [0, 1], got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"{name}: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        self.total_steps = total_steps
        self.anneal_strategy = anneal_strategy
        if three_phase:
            ends = [
                (float(pct_start * total_steps) - 1, "initial", "max"),
                (float(2 * pct_start * total_steps) - 2, "max", "initial"),
                (total_steps - 1, "initial", "min"),
            ]
        else:
            ends = [
                (float(pct_start * total_steps) - 1, "initial", "max"),
                (total_steps - 1, "max", "min"),
            ]
        self._phases = [
            {"end_step": e, "start": f"{s}_{param_name}", "end": f"{t}_{param_name}"}
            for e, s, t in ends
        ]
        if isinstance(eta_max, (list, tuple)):
            if len(eta_max) != len(groups):
                raise ValueError(
                    f"{name}: eta_max has {len(eta_max)} values for {len(groups)} param groups"
                )
            peaks = list(eta_max)
        else:
            peaks = [eta_max] * len(groups)
        if last_step == -1:
            for peak, group in zip(peaks, groups, strict=True):
                start = peak / div_factor
                group[f"initial_{param_name}"] = start
                group[f"max_{param_name}"] = peak
                group[f"min_{param_name}"] = start / final_div_factor
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> list[Any]:
        step = self.last_step
        if step > self.total_steps:
            raise ValueError(
                f"{type(self).__name__} stepped {step} times, past total_steps="
                f"{self.total_steps}: raise total_steps or end"
            )
        anneal = _anneal_cos if self.anneal_strategy == "cos" else _anneal_linear
        values = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for index, phase in enumerate(self._phases):
                end_step = phase["end_step"]
                if step <= end_step or index == len(self._phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    values.append(anneal(group[phase["start"]], group[phase["end"]], pct))
                    break
                start_step = end_step
        return values


@PARAM_SCHEDULERS.register_module()
class OneCycleLR(LRSchedulerMixin, OneCycleParamScheduler):
    """:class:`OneCycleParamScheduler` for the learning rate."""
