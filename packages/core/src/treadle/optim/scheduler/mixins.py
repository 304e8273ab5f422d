"""Mixins turning a ``*ParamScheduler`` into its ``*LR`` or ``*Momentum`` variant."""

from __future__ import annotations

import difflib
import inspect
from typing import Any

from treadle.optim.scheduler.param_scheduler import Optimizer


def _check_kwargs(scheduler: object, mixin: type, kwargs: dict[str, Any]) -> None:
    """Reject unknown keyword arguments naming the variant the user wrote (``StepLR``)."""
    mro = type(scheduler).__mro__
    for klass in mro[mro.index(mixin) + 1 :]:
        if "__init__" in vars(klass):
            parameters = inspect.signature(klass.__init__).parameters
            break
    else:
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    accepted = [name for name in parameters if name not in ("self", "optimizer", "param_name")]
    for key in kwargs:
        if key not in accepted:
            close = difflib.get_close_matches(key, accepted, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise TypeError(
                f"{type(scheduler).__name__} got an unknown argument {key!r}.{hint} "
                f"It accepts {accepted}."
            )


class LRSchedulerMixin:
    """Schedule the learning rate (``param_name='lr'``)."""

    def __init__(self, optimizer: Optimizer, *args: Any, **kwargs: Any) -> None:
        _check_kwargs(self, LRSchedulerMixin, kwargs)
        super().__init__(optimizer, "lr", *args, **kwargs)  # type: ignore[call-arg]


class MomentumSchedulerMixin:
    """Schedule ``momentum``; for Adam-like optimizers, the first of ``betas``.

    Groups with ``betas`` but no ``momentum`` get a ``momentum`` key mirroring
    ``betas[0]``; after each step it is written back into ``betas``.
    """

    def __init__(self, optimizer: Optimizer, *args: Any, **kwargs: Any) -> None:
        _check_kwargs(self, MomentumSchedulerMixin, kwargs)
        groups = optimizer.param_groups
        for index, group in enumerate(groups):
            if "momentum" not in group and "betas" not in group:
                raise ValueError(
                    f"{type(self).__name__} schedules momentum, but param group {index} of "
                    f"{type(optimizer).__name__} has neither 'momentum' nor 'betas'"
                )
        self._betas_groups = [i for i, g in enumerate(groups) if "momentum" not in g]
        for index in self._betas_groups:
            groups[index]["momentum"] = groups[index]["betas"][0]
        super().__init__(optimizer, "momentum", *args, **kwargs)  # type: ignore[call-arg]

    def step(self, *args: Any, **kwargs: Any) -> None:
        """Step, then copy ``momentum`` into ``betas[0]`` where the optimizer uses betas."""
        super().step(*args, **kwargs)  # type: ignore[misc]
        groups = self.optimizer.param_groups  # type: ignore[attr-defined]
        for index in self._betas_groups:
            group = groups[index]
            group["betas"] = (group["momentum"], *group["betas"][1:])
