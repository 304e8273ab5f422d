"""``BaseOptimWrapper``: the interface every optimizer wrapper offers the runner."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any

import torch


class BaseOptimWrapper(metaclass=ABCMeta):
    """What loops, hooks and schedulers rely on: an optimizer plus an update protocol.

    Subclasses (single-process, AMP, or strategy-specific wrappers) implement the
    update steps; the param-group accessors here delegate to ``self.optimizer``.
    """

    def __init__(self, optimizer: torch.optim.Optimizer) -> None:
        self.optimizer = optimizer

    @abstractmethod
    def update_params(self, loss: torch.Tensor, **kwargs: Any) -> None:
        """Backward ``loss``, then step and zero the gradients when an update is due."""

    @abstractmethod
    def backward(self, loss: torch.Tensor, **kwargs: Any) -> None:
        """Compute gradients of ``loss``."""

    @abstractmethod
    def zero_grad(self, **kwargs: Any) -> None:
        """Clear the gradients of the optimized parameters."""

    @abstractmethod
    def step(self, **kwargs: Any) -> None:
        """Update the parameters from their gradients."""

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        """The wrapped optimizer's ``param_groups`` (what schedulers edit)."""
        return self.optimizer.param_groups

    @property
    def defaults(self) -> dict[str, Any]:
        """The wrapped optimizer's ``defaults``."""
        return self.optimizer.defaults

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state dict (subclasses add their own entries)."""
        return self.optimizer.state_dict()

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        self.optimizer.load_state_dict(state_dict)

    def get_lr(self) -> dict[str, list[float]]:
        """``{'lr': [lr of each param group]}``."""
        return {"lr": [group["lr"] for group in self.optimizer.param_groups]}

    def get_momentum(self) -> dict[str, list[float]]:
        """``{'momentum': [...]}``: ``momentum``, else ``betas[0]`` (Adam-like), else 0."""
        values = []
        for group in self.optimizer.param_groups:
            if "momentum" in group:
                values.append(group["momentum"])
            elif "betas" in group:
                values.append(group["betas"][0])
            else:
                values.append(0)
        return {"momentum": values}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(optimizer={self.optimizer!r})"
