"""Polynomial schedulers: decay to ``eta_min`` at the window's last step with ``power``."""

from __future__ import annotations

from typing import Any

from treadle.optim.scheduler.mixins import LRSchedulerMixin, MomentumSchedulerMixin
from treadle.optim.scheduler.param_scheduler import INF, Optimizer, _ParamScheduler
from treadle.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class PolyParamScheduler(_ParamScheduler):
    """Decay polynomially from the initial value to ``eta_min`` over ``[begin, end - 1]``.

    ``torch.optim.lr_scheduler.PolynomialLR(total_iters=n)`` is ``end = begin + n + 1``.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        param_name: str,
        eta_min: float = 0.0,
        power: float = 1.0,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        self.eta_min = eta_min
        self.power = power
        self.total_iters = end - begin - 1
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def _get_value(self) -> list[Any]:
        groups = self.optimizer.param_groups
        if self.last_step == 0:
            return [group[self.param_name] for group in groups]
        ratio = (1.0 - 1.0 / (self.total_iters - self.last_step + 1)) ** self.power
        return [(group[self.param_name] - self.eta_min) * ratio + self.eta_min for group in groups]


@PARAM_SCHEDULERS.register_module()
class PolyLR(LRSchedulerMixin, PolyParamScheduler):
    """:class:`PolyParamScheduler` for the learning rate."""


@PARAM_SCHEDULERS.register_module()
class PolyMomentum(MomentumSchedulerMixin, PolyParamScheduler):
    """:class:`PolyParamScheduler` for momentum."""
