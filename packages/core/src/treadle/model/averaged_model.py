"""Averaged copies of a model: EMA and SWA (used by ``EMAHook``).

The averaged model holds a frozen deep copy of the source; ``update_parameters``
folds the source's current weights in. The first call copies them; later calls
average every ``interval`` steps. Buffers (e.g. BatchNorm statistics) are either
averaged too (``update_buffers=True``) or copied from the source.
"""

from __future__ import annotations

import copy
import warnings
from abc import abstractmethod
from typing import Any

import torch
from torch import nn

from treadle.registry import MODELS


class BaseAveragedModel(nn.Module):
    """Base of averaged models; subclasses define :meth:`avg_func`.

    Args:
        model: the model to average (deep-copied, not modified).
        interval: average every this many calls of ``update_parameters``.
        device: where the copy lives (e.g. ``'cpu'`` to save accelerator memory).
        update_buffers: average the buffers too, rather than copying them.
    """

    def __init__(
        self,
        model: nn.Module,
        interval: int = 1,
        device: torch.device | str | None = None,
        update_buffers: bool = False,
    ) -> None:
        super().__init__()
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f"interval must be a positive int, got {interval!r}")
        self.module = copy.deepcopy(model).requires_grad_(False)
        if device is not None:
            self.module = self.module.to(device)
        self.interval = interval
        self.update_buffers = update_buffers
        self.register_buffer("steps", torch.tensor(0, dtype=torch.long, device=device))
        # views on the copy's tensors: updating them updates self.module
        self.avg_parameters: dict[str, torch.Tensor] = (
            self.module.state_dict() if update_buffers else dict(self.module.named_parameters())
        )

    @abstractmethod
    def avg_func(
        self, averaged_param: torch.Tensor, source_param: torch.Tensor, steps: int
    ) -> None:
        """Fold ``source_param`` into ``averaged_param`` in place."""

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Run the averaged copy."""
        return self.module(*args, **kwargs)

    def update_parameters(self, model: nn.Module) -> None:
        """Fold ``model``'s current weights in (the first call copies them)."""
        source = model.state_dict() if self.update_buffers else dict(model.named_parameters())
        missing = self.avg_parameters.keys() - source.keys()
        if missing:
            raise KeyError(
                f"{type(self).__name__}: the source model lacks {sorted(missing)[:5]}; "
                f"update_parameters needs the model the average was created from"
            )
        steps = int(self.steps)
        if steps == 0:
            for key, averaged in self.avg_parameters.items():
                averaged.data.copy_(source[key].data)
        elif steps % self.interval == 0:
            for key, averaged in self.avg_parameters.items():
                if averaged.dtype.is_floating_point:
                    self.avg_func(averaged.data, source[key].data.to(averaged.device), steps)
        if not self.update_buffers:
            for averaged, buffer in zip(self.module.buffers(), model.buffers(), strict=True):
                averaged.data.copy_(buffer.data.to(averaged.device))
        self.steps += 1


@MODELS.register_module()
class StochasticWeightAverage(BaseAveragedModel):
    """The running mean of the weights seen at steps 0, interval, 2*interval, ..."""

    def avg_func(
        self, averaged_param: torch.Tensor, source_param: torch.Tensor, steps: int
    ) -> None:
        averaged_param.add_(source_param - averaged_param, alpha=1 / (steps // self.interval + 1))


@MODELS.register_module()
class ExponentialMovingAverage(BaseAveragedModel):
    """``averaged = (1 - momentum) * averaged + momentum * source``.

    Note MMEngine's convention: ``momentum`` is the weight of the *new* value
    (0.0002 by default), i.e. ``1 - decay`` in the usual EMA notation.
    """

    def __init__(
        self,
        model: nn.Module,
        momentum: float = 0.0002,
        interval: int = 1,
        device: torch.device | str | None = None,
        update_buffers: bool = False,
    ) -> None:
        super().__init__(model, interval, device, update_buffers)
        if not 0.0 < momentum < 1.0:
            raise ValueError(f"momentum must lie in (0, 1), got {momentum!r}")
        if momentum > 0.5:
            warnings.warn(
                f"EMA momentum {momentum} is large: here momentum is the weight of the new "
                f"value (usually small, e.g. 0.0002), not the decay; check the value",
                stacklevel=2,
            )
        self.momentum = momentum

    def avg_func(
        self, averaged_param: torch.Tensor, source_param: torch.Tensor, steps: int
    ) -> None:
        averaged_param.lerp_(source_param, self.momentum)


@MODELS.register_module()
class MomentumAnnealingEMA(ExponentialMovingAverage):
    """EMA whose momentum starts high and anneals: ``max(momentum, gamma / (gamma + steps))``.

    Early averages then follow the fast-changing weights instead of the random init.
    """

    def __init__(
        self,
        model: nn.Module,
        momentum: float = 0.0002,
        gamma: int = 100,
        interval: int = 1,
        device: torch.device | str | None = None,
        update_buffers: bool = False,
    ) -> None:
        super().__init__(model, momentum, interval, device, update_buffers)
        if gamma <= 0:
            raise ValueError(f"gamma must be positive, got {gamma!r}")
        self.gamma = gamma

    def avg_func(
        self, averaged_param: torch.Tensor, source_param: torch.Tensor, steps: int
    ) -> None:
        momentum = max(self.momentum, self.gamma / (self.gamma + steps))
        averaged_param.lerp_(source_param, momentum)
