"""Constant schedulers: values times ``factor`` until the window's last step, then restored."""

from __future__ import annotations

from typing import Any

from treadle.optim.scheduler.mixins import LRSchedulerMixin, MomentumSchedulerMixin
from treadle.optim.scheduler.param_scheduler import INF, Optimizer, _ParamScheduler
from treadle.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class ConstantParamScheduler(_ParamScheduler):
    """Multiply by ``factor`` (0..1) on ``[begin, end - 1)``; restore at step ``end - 1``.

    ``torch.optim.lr_scheduler.ConstantLR(total_iters=n)`` is ``end = begin + n + 1``.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        param_name: str,
        factor: float = 1.0 / 3,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        if not 0 < factor <= 1.0:
            raise ValueError(f"{type(self).__name__}: factor must be in (0, 1], got {factor!r}")
        self.factor = factor
        self.total_iters = end - begin - 1
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> list[Any]:
        current = [group[self.param_name] for group in self.optimizer.param_groups]
        if self.last_step == 0:
            return [value * self.factor for value in current]
        if self.last_step != self.total_iters:
            return current
        return [value / self.factor for value in current]


@PARAM_SCHEDULERS.register_module()
class ConstantLR(LRSchedulerMixin, ConstantParamScheduler):
    """:class:`ConstantParamScheduler` for the learning rate."""


@PARAM_SCHEDULERS.register_module()
class ConstantMomentum(MomentumSchedulerMixin, ConstantParamScheduler):
    """:class:`ConstantParamScheduler` for momentum."""
