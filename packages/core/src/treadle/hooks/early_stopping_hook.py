"""``EarlyStoppingHook``: stop training when a validation metric stops improving."""

from __future__ import annotations

import math
import warnings
from typing import Any, ClassVar

from treadle.hooks.hook import Hook
from treadle.registry import HOOKS

#: metric-name fragments from which the comparison rule is inferred (MMEngine's lists)
DEFAULT_GREATER_KEYS = (
    "acc",
    "top",
    "AR@",
    "auc",
    "precision",
    "mAP",
    "mDice",
    "mIoU",
    "mAcc",
    "aAcc",
)
DEFAULT_LESS_KEYS = ("loss",)

RULES = {"greater": lambda x, y: x > y, "less": lambda x, y: x < y}


def infer_rule(
    key: str,
    greater_keys: tuple[str, ...] | list[str] = DEFAULT_GREATER_KEYS,
    less_keys: tuple[str, ...] | list[str] = DEFAULT_LESS_KEYS,
) -> str:
    """``'greater'`` or ``'less'`` for metric ``key``: exact match first, then substring,
    case-insensitive."""
    key_lc = key.lower()
    greater = {k.lower() for k in greater_keys}
    less = {k.lower() for k in less_keys}
    if key_lc in greater:
        return "greater"
    if key_lc in less:
        return "less"
    if any(k in key_lc for k in greater):
        return "greater"
    if any(k in key_lc for k in less):
        return "less"
    raise ValueError(
        f"cannot infer whether a greater or a smaller {key!r} is better; pass rule='greater' "
        "or rule='less'"
    )


@HOOKS.register_module()
class EarlyStoppingHook(Hook):
    """Set ``runner.train_loop.stop_training`` when ``monitor`` has not improved enough.

    Args:
        monitor: the metric key to watch (as the evaluator returns it, e.g. ``'acc/top1'``).
        rule: ``'greater'`` or ``'less'`` is better; inferred from ``monitor`` if None.
        min_delta: smallest change that counts as an improvement.
        strict: raise if ``monitor`` is missing from the metrics (else warn and skip).
        check_finite: stop when the metric is NaN or infinite.
        patience: validations without improvement tolerated before stopping.
        stopping_threshold: stop as soon as the metric is better than this.
    """

    priority = "LOWEST"
    #: rule name -> ``better(score, reference)``; a subclass may add its own rules
    rule_map = RULES
    #: metric-name fragments for which greater/less is better when the rule is inferred
    _default_greater_keys: ClassVar[list[str]] = list(DEFAULT_GREATER_KEYS)
    _default_less_keys: ClassVar[list[str]] = list(DEFAULT_LESS_KEYS)

    def __init__(
        self,
        monitor: str,
        rule: str | None = None,
        min_delta: float = 0.1,
        strict: bool = False,
        check_finite: bool = True,
        patience: int = 5,
        stopping_threshold: float | None = None,
    ) -> None:
        if rule is None:
            rule = infer_rule(monitor, self._default_greater_keys, self._default_less_keys)
        elif rule not in self.rule_map:
            raise ValueError(
                f"EarlyStoppingHook: rule must be one of {sorted(self.rule_map)}, got {rule!r}"
            )
        self.monitor = monitor
        self.rule = rule
        self.min_delta = min_delta if rule == "greater" else -min_delta
        self.strict = strict
        self.check_finite = check_finite
        self.patience = patience
        self.stopping_threshold = stopping_threshold
        self.wait_count = 0
        self.best_score = -math.inf if rule == "greater" else math.inf

    def before_run(self, runner: Any) -> None:
        if not hasattr(runner.train_loop, "stop_training"):
            raise AttributeError(
                f"EarlyStoppingHook needs a train loop with a `stop_training` flag; "
                f"{type(runner.train_loop).__name__} has none"
            )

    def after_val_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        metrics = metrics or {}
        if self.monitor not in metrics:
            message = (
                f"EarlyStoppingHook monitors {self.monitor!r}, which the metrics do not hold "
                f"(they have {sorted(metrics)})"
            )
            if self.strict:
                raise RuntimeError(f"{message}; set monitor= to one of them or strict=False")
            warnings.warn(f"{message}; early stopping skipped this time", stacklevel=2)
            return
        stop, reason = self._check_stop_condition(float(metrics[self.monitor]))
        if stop:
            runner.train_loop.stop_training = True
            runner.logger.info(reason)

    def _check_stop_condition(self, score: float) -> tuple[bool, str]:
        better = self.rule_map[self.rule]
        if self.check_finite and not math.isfinite(score):
            return True, (
                f"Monitored metric {self.monitor} = {score} is not finite; previous best "
                f"value was {self.best_score:.3f}. Stopping."
            )
        if self.stopping_threshold is not None and better(score, self.stopping_threshold):
            self.best_score = score
            return True, (
                f"Stopping threshold reached: {self.monitor} = {score} is {self.rule} than "
                f"{self.stopping_threshold}."
            )
        if better(self.best_score + self.min_delta, score):
            self.wait_count += 1
            if self.wait_count >= self.patience:
                return True, (
                    f"{self.monitor} did not improve in the last {self.wait_count} validations "
                    f"(best {self.best_score:.3f}). Stopping."
                )
            return False, ""
        self.best_score = score
        self.wait_count = 0
        return False, ""
