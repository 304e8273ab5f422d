"""Linear schedulers: the factor moves linearly from ``start_factor`` to ``end_factor``."""

from __future__ import annotations

from typing import Any

from treadle.optim.scheduler.mixins import LRSchedulerMixin, MomentumSchedulerMixin
from treadle.optim.scheduler.param_scheduler import INF, Optimizer, _ParamScheduler
from treadle.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class LinearParamScheduler(_ParamScheduler):
    """Scale values from ``start_factor`` at ``begin`` to ``end_factor`` at ``end - 1``.

    The usual warm-up. ``torch.optim.lr_scheduler.LinearLR(total_iters=n)`` is
    ``end = begin + n + 1``.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        param_name: str,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        for key, value in (("start_factor", start_factor), ("end_factor", end_factor)):
            if not 0 <= value <= 1.0:
                raise ValueError(f"{type(self).__name__}: {key} must be in [0, 1], got {value!r}")
        if start_factor == 0:
            raise ValueError(
                f"{type(self).__name__}: start_factor must be > 0 (values are scaled "
                "relative to the previous step); use a small value such as 0.001"
            )
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = end - begin - 1
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> list[Any]:
        groups = self.optimizer.param_groups
        if self.last_step == 0:
            return [group[self.param_name] * self.start_factor for group in groups]
        delta = self.end_factor - self.start_factor
        ratio = 1.0 + delta / (self.total_iters * self.start_factor + (self.last_step - 1) * delta)
        return [group[self.param_name] * ratio for group in groups]


@PARAM_SCHEDULERS.register_module()
class LinearLR(LRSchedulerMixin, LinearParamScheduler):
    """:class:`LinearParamScheduler` for the learning rate."""


@PARAM_SCHEDULERS.register_module()
class LinearMomentum(MomentumSchedulerMixin, LinearParamScheduler):
    """:class:`LinearParamScheduler` for momentum."""
