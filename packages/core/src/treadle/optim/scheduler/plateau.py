"""Reduce-on-plateau schedulers: cut the value when a validation metric stops improving."""

from __future__ import annotations

import math
from typing import Any

from treadle.optim.scheduler.mixins import LRSchedulerMixin, MomentumSchedulerMixin
from treadle.optim.scheduler.param_scheduler import INF, Optimizer, _ParamScheduler
from treadle.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class ReduceOnPlateauParamScheduler(_ParamScheduler):
    """Multiply by ``factor`` after ``patience`` steps without improvement of ``monitor``.

    ``step()`` without metrics only counts training steps (for ``begin``/``end``);
    ``step(metrics)``, called after validation with the metrics dict, does the work.

    Args:
        monitor: the key of the metrics dict to watch.
        rule: ``'less'`` (lower is better) or ``'greater'``.
        factor: multiplier applied on a plateau (< 1).
        patience: bad steps tolerated before cutting.
        threshold: minimum change that counts as an improvement.
        threshold_rule: ``'rel'`` (relative to the best) or ``'abs'``.
        cooldown: steps to wait after a cut before counting bad steps again.
        min_value: floor, one float or one per param group.
        eps: cuts smaller than this are skipped.
    """

    need_val_args = True

    def __init__(
        self,
        optimizer: Optimizer,
        param_name: str,
        monitor: str = "loss",
        rule: str = "less",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_rule: str = "rel",
        cooldown: int = 0,
        min_value: float | list[float] = 0.0,
        eps: float = 1e-8,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        name = type(self).__name__
        if not 0 < factor < 1.0:
            raise ValueError(f"{name}: factor must be in (0, 1), got {factor!r}")
        if rule not in ("less", "greater"):
            raise ValueError(f"{name}: rule must be 'less' or 'greater', got {rule!r}")
        if threshold_rule not in ("rel", "abs"):
            raise ValueError(
                f"{name}: threshold_rule must be 'rel' or 'abs', got {threshold_rule!r}"
            )
        groups = optimizer.param_groups
        if isinstance(min_value, (list, tuple)):
            if len(min_value) != len(groups):
                raise ValueError(
                    f"{name}: min_value has {len(min_value)} values for {len(groups)} param groups"
                )
            self.min_values = list(min_value)
        else:
            self.min_values = [min_value] * len(groups)
        self.monitor = monitor
        self.rule = rule
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.threshold_rule = threshold_rule
        self.cooldown = cooldown
        self.eps = eps
        self.cooldown_counter = 0
        self.num_bad_epochs = 0
        self.best = math.inf if rule == "less" else -math.inf
        super().__init__(optimizer, param_name, begin, end, last_step, by_epoch, verbose)

    def step(self, metrics: dict[str, Any] | None = None) -> None:  # type: ignore[override]
        """Without ``metrics``: count a training step. With them: judge ``monitor``."""
        groups = self.optimizer.param_groups
        if metrics is None:
            self._global_step += 1
            self._last_value = [group[self.param_name] for group in groups]
            return
        if not isinstance(metrics, dict):
            raise TypeError(
                f"{type(self).__name__}.step expects the metrics dict, got {type(metrics).__name__}"
            )
        if self.begin <= self._global_step < self.end:
            if self.monitor not in metrics:
                raise KeyError(
                    f"{type(self).__name__} monitors {self.monitor!r}, which the metrics do "
                    f"not hold (they have {sorted(metrics)}); set monitor= to one of them"
                )
            self.last_step += 1
            self._judge(float(metrics[self.monitor]))
        self._last_value = [group[self.param_name] for group in groups]

    def _judge(self, current: float) -> None:
        if self._is_better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            groups = self.optimizer.param_groups
            for index, (group, value) in enumerate(zip(groups, self._get_value(), strict=True)):
                if group[self.param_name] - value > self.eps:
                    group[self.param_name] = value
                    self.print_value(self.verbose, index, value)
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0

    def _is_better(self, current: float) -> bool:
        if self.rule == "less":
            if self.threshold_rule == "rel":
                return current < self.best * (1 - self.threshold)
            return current < self.best - self.threshold
        if self.threshold_rule == "rel":
            return current > self.best * (1 + self.threshold)
        return current > self.best + self.threshold

    def _get_value(self) -> list[Any]:
        return [
            max(group[self.param_name] * self.factor, floor)
            for group, floor in zip(self.optimizer.param_groups, self.min_values, strict=True)
        ]


@PARAM_SCHEDULERS.register_module()
class ReduceOnPlateauLR(LRSchedulerMixin, ReduceOnPlateauParamScheduler):
    """:class:`ReduceOnPlateauParamScheduler` for the learning rate."""


@PARAM_SCHEDULERS.register_module()
class ReduceOnPlateauMomentum(MomentumSchedulerMixin, ReduceOnPlateauParamScheduler):
    """:class:`ReduceOnPlateauParamScheduler` for momentum."""
