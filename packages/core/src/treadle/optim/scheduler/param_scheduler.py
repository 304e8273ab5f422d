"""``_ParamScheduler``: the base of every parameter scheduler.

A scheduler owns one key (``param_name``) of every param group of an optimizer
(or optimizer wrapper). Each ``step()`` advances a global counter; while the
counter is in ``[begin, end)`` the scheduler's own ``last_step`` advances too and
``_get_value()`` sets the new values. Outside the window it leaves the values
alone, so several schedulers chain by giving them adjacent windows.
"""

from __future__ import annotations

import logging
from typing import Any

import torch

from treadle.optim.base import BaseOptimWrapper

logger = logging.getLogger(__name__)

#: ``end`` of a scheduler that never stops (the value MMEngine uses).
INF = int(1e9)

Optimizer = torch.optim.Optimizer | BaseOptimWrapper


class _ParamScheduler:
    """Adjust ``param_name`` of each param group of ``optimizer`` step by step.

    Args:
        optimizer: a ``torch.optim.Optimizer`` or an optimizer wrapper.
        param_name: the param-group key to schedule (``'lr'``, ``'momentum'``,
            ``'weight_decay'`` ...).
        begin: first global step (epoch or iteration) at which the scheduler acts.
        end: the global step at which it stops acting (exclusive).
        last_step: the scheduler's step to resume from; -1 starts fresh.
        by_epoch: whether steps count epochs (True) or iterations.
        verbose: log every value change.
    """

    #: extra arguments counted in epochs, scaled by ``build_iter_from_epoch``
    _epoch_args: tuple[str, ...] = ()

    def __init__(
        self,
        optimizer: Optimizer,
        param_name: str,
        begin: int = 0,
        end: int = INF,
        last_step: int = -1,
        by_epoch: bool = True,
        verbose: bool = False,
    ) -> None:
        name = type(self).__name__
        if not isinstance(optimizer, (torch.optim.Optimizer, BaseOptimWrapper)):
            raise TypeError(
                f"{name} needs a torch.optim.Optimizer or an OptimWrapper, got "
                f"{type(optimizer).__name__}"
            )
        if isinstance(getattr(optimizer, "optim_wrappers", None), dict):
            raise TypeError(
                f"{name} schedules one optimizer, got an OptimWrapperDict holding "
                f"{list(optimizer.optim_wrappers)}: build one scheduler per wrapper "
                "(in a config: param_scheduler=dict(<name>=[...], ...))"
            )
        if begin >= end:
            raise ValueError(
                f"{name}: begin ({begin}) must be smaller than end ({end}); the scheduler "
                "acts on steps begin <= step < end"
            )
        if begin < 0:
            raise ValueError(f"{name}: begin must be >= 0, got {begin}")
        self.optimizer = optimizer
        self.param_name = param_name
        self.begin = begin
        self.end = end
        self.by_epoch = by_epoch
        self.verbose = verbose
        groups = optimizer.param_groups
        for index, group in enumerate(groups):
            if param_name not in group:
                keys = sorted(k for k in group if k != "params" and not k.startswith("initial_"))
                raise KeyError(
                    f"{name}: param_name {param_name!r} is not a key of param group {index} of "
                    f"{_optimizer_name(optimizer)}; schedulable keys are {keys}"
                )
        initial = f"initial_{param_name}"
        if last_step == -1:
            for group in groups:
                group.setdefault(initial, group[param_name])
        else:
            for index, group in enumerate(groups):
                if initial not in group:
                    raise KeyError(
                        f"{name}: resuming at last_step={last_step} needs {initial!r} in param "
                        f"group {index}; build the scheduler with last_step=-1 and load its "
                        "state_dict instead"
                    )
        self.base_values: list[Any] = [group[initial] for group in groups]
        self.last_step = last_step
        self._global_step = -1  # the construction is global step 0
        self._last_value: list[Any] = []
        self._initial_step()

    @classmethod
    def build_iter_from_epoch(
        cls,
        *args: Any,
        begin: int = 0,
        end: int = INF,
        by_epoch: bool = True,
        epoch_length: int | None = None,
        **kwargs: Any,
    ) -> _ParamScheduler:
        """Build an iteration-based scheduler from arguments counted in epochs.

        ``begin``, ``end`` and the class's epoch-valued arguments (``step_size``,
        ``milestones``, ``T_max``, ``periods``, ``total_steps``) are multiplied by
        ``epoch_length``, the number of iterations per epoch.
        """
        if not by_epoch:
            raise ValueError(
                f"{cls.__name__}.build_iter_from_epoch converts epoch-based arguments, but "
                "by_epoch=False; drop convert_to_iter_based or set by_epoch=True"
            )
        if not isinstance(epoch_length, int) or epoch_length <= 0:
            raise ValueError(
                f"{cls.__name__}.build_iter_from_epoch needs epoch_length, a positive int "
                f"(iterations per epoch), got {epoch_length!r}"
            )
        begin = int(begin * epoch_length)
        if end != INF:
            end = int(end * epoch_length)
        for key in cls._epoch_args:
            value = kwargs.get(key)
            if isinstance(value, (list, tuple)):
                kwargs[key] = [v * epoch_length for v in value]
            elif value is not None:
                kwargs[key] = value * epoch_length
        return cls(*args, begin=begin, end=end, by_epoch=False, **kwargs)

    def _initial_step(self) -> None:
        """Set the values of global step 0, the construction."""
        self.step()

    def _get_value(self) -> list[Any]:
        """The values for ``self.last_step`` (one per param group)."""
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch or iteration and set the scheduled values if in the window."""
        groups = self.optimizer.param_groups
        self._global_step += 1
        if self.begin <= self._global_step < self.end:
            self.last_step += 1
            for index, (group, value) in enumerate(zip(groups, self._get_value(), strict=True)):
                group[self.param_name] = value
                self.print_value(self.verbose, index, value)
        self._last_value = [group[self.param_name] for group in groups]

    def get_last_value(self) -> list[Any]:
        """The values the last ``step()`` left in the param groups."""
        return self._last_value

    def print_value(self, is_verbose: bool, group: int, value: Any) -> None:
        """Log a value change when ``verbose``."""
        if is_verbose:
            logger.info(
                "%s: %s of param group %d set to %.4e",
                type(self).__name__,
                self.param_name,
                group,
                value,
            )

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (plain Python values: safe to checkpoint)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.__dict__.update(state_dict)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(param_name={self.param_name!r}, begin={self.begin}, "
            f"end={self.end}, by_epoch={self.by_epoch}, last_step={self.last_step})"
        )


def _optimizer_name(optimizer: Optimizer) -> str:
    if isinstance(optimizer, BaseOptimWrapper):
        return f"{type(optimizer).__name__}({type(optimizer.optimizer).__name__})"
    return type(optimizer).__name__
