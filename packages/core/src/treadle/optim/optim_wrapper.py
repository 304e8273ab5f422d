"""``OptimWrapper``: one optimizer plus the standard update protocol.

``update_params(loss)`` = scale for accumulation, backward, and (when a window of
``accumulative_counts`` backwards is complete) clip, step and zero the gradients.
With ``nonfinite_loss_handler`` set, a NaN/inf loss is handed to it instead.
"""

from __future__ import annotations

import inspect
import logging
import math
import operator
import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import torch
from torch import nn

from treadle.logging.message_hub import MessageHub
from treadle.optim.base import BaseOptimWrapper
from treadle.registry import OPTIM_WRAPPERS

#: what ``optim_context`` returns when the forward pass needs no context (shared; stateless)
NO_CONTEXT = nullcontext()

logger = logging.getLogger(__name__)

_LR = operator.itemgetter("lr")

_CLIP_FUNCS = {
    "norm": torch.nn.utils.clip_grad_norm_,
    "value": torch.nn.utils.clip_grad_value_,
}


def _has_batch_norm(model: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


def _check_clip_grad(clip_grad: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The clip function and its kwargs, or a clear error about the ``clip_grad`` dict."""
    if not isinstance(clip_grad, dict) or not clip_grad:
        raise TypeError(
            "clip_grad must be None or a non-empty dict of arguments for "
            "torch.nn.utils.clip_grad_norm_ (e.g. dict(max_norm=1.0)) or, with "
            f"type='value', clip_grad_value_ (e.g. dict(type='value', clip_value=0.5)); "
            f"got {clip_grad!r}"
        )
    kwargs = dict(clip_grad)
    clip_type = kwargs.pop("type", "norm")
    if clip_type not in _CLIP_FUNCS:
        raise ValueError(f"clip_grad type must be 'norm' or 'value', got {clip_type!r}")
    func = _CLIP_FUNCS[clip_type]
    signature = inspect.signature(func)
    accepted = [name for name in signature.parameters if name != "parameters"]
    unknown = [key for key in kwargs if key not in accepted]
    required = [
        name
        for name, p in signature.parameters.items()
        if name != "parameters" and p.default is inspect.Parameter.empty
    ]
    missing = [name for name in required if name not in kwargs]
    if unknown or missing:
        raise TypeError(
            f"clip_grad {clip_grad!r} does not fit torch.nn.utils.{func.__name__}: "
            + (f"unknown keys {unknown}; " if unknown else "")
            + (f"missing keys {missing}; " if missing else "")
            + f"it accepts {accepted}"
        )
    return func, kwargs


#: the update protocol's methods: ``update_params`` calls them itself only where neither
#: the wrapper's class overrides them nor the wrapper has its own (``wrapper.step = ...``)
_PROTOCOL = frozenset(("backward", "step", "zero_grad", "scale_loss", "should_update"))


@OPTIM_WRAPPERS.register_module()
class OptimWrapper(BaseOptimWrapper):
    """Wrap a ``torch.optim.Optimizer`` with accumulation and gradient clipping.

    Args:
        optimizer: the optimizer to drive.
        accumulative_counts: backwards per parameter update; the loss is divided
            by it so the accumulated gradient is a mean. Call
            :meth:`initialize_count_status` with the total number of iterations to
            make the last, incomplete window exact (divided by its real length).
        clip_grad: ``dict(max_norm=..., norm_type=...)`` for clipping by norm, or
            ``dict(type='value', clip_value=...)`` for clipping by value.
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        accumulative_counts: int = 1,
        clip_grad: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError(
                "optimizer must be a torch.optim.Optimizer instance, got "
                f"{type(optimizer).__name__}: {optimizer!r}. In a config, give "
                "optim_wrapper=dict(optimizer=dict(type='SGD', lr=...)) and build it with "
                "build_optim_wrapper(model, cfg)."
            )
        if not isinstance(accumulative_counts, int) or accumulative_counts < 1:
            raise ValueError(
                f"accumulative_counts must be an int >= 1, got {accumulative_counts!r}"
            )
        super().__init__(optimizer)
        self._accumulative_counts = accumulative_counts
        self._inner_count = 0
        self._max_counts = -1
        self._remainder_counts = -1
        self._divisible_counts = -1
        self.clip_grad_kwargs: dict[str, Any] = {}
        self.clip_func: Any = None
        self.grad_norm: float | None = None
        if clip_grad is not None:
            self.clip_func, self.clip_grad_kwargs = _check_clip_grad(clip_grad)
        # With several param groups, a pseudo group holding the optimizer defaults tracks
        # the "base" lr/momentum for logging; schedulers update it like the real groups.
        self.base_param_settings: dict[str, Any] | None = None
        if len(optimizer.param_groups) > 1:
            self.base_param_settings = {"params": torch.tensor([0.0]), **optimizer.defaults}
        #: called as ``handler(wrapper, loss)`` instead of updating when the loss is NaN or
        #: infinite; it raises, or returns to skip the step (the runner sets it from
        #: ``train_cfg.nonfinite_loss``). ``None``: no check.
        self.nonfinite_loss_handler: Callable[[OptimWrapper, torch.Tensor], None] | None = None
        # a class that keeps the protocol's methods lets update_params make those calls
        # itself: it runs every iteration
        cls = type(self)
        self._plain_protocol = all(
            getattr(cls, name) is getattr(OptimWrapper, name) for name in _PROTOCOL
        )

    # ------------------------------------------------------------ param groups
    @property
    def param_groups(self) -> list[dict[str, Any]]:
        """The optimizer's param groups, plus ``base_param_settings`` when there is one."""
        if self.base_param_settings is None:
            return self.optimizer.param_groups
        return [*self.optimizer.param_groups, self.base_param_settings]

    def get_lr(self) -> dict[str, list[float]]:
        """``{'lr': [...]}``, with ``'base_lr'`` first when there are several groups."""
        lrs = list(map(_LR, self.optimizer.param_groups))  # every iteration: no comprehension
        if self.base_param_settings is None:
            return {"lr": lrs}
        return {"base_lr": [self.base_param_settings["lr"]], "lr": lrs}

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state dict, plus ``base_param_settings`` when there is one."""
        state = self.optimizer.state_dict()
        if self.base_param_settings is not None:
            state["base_param_settings"] = self.base_param_settings
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (the input is not modified)."""
        state = dict(state_dict)
        base = state.pop("base_param_settings", None)
        if base is not None:
            self.base_param_settings = base
        self.optimizer.load_state_dict(state)

    # --------------------------------------------------------------- protocol
    def update_params(
        self,
        loss: torch.Tensor,
        step_kwargs: dict[str, Any] | None = None,
        zero_kwargs: dict[str, Any] | None = None,
    ) -> None:
        """Scale ``loss`` for accumulation, backward it, and step + zero_grad when due."""
        if self.nonfinite_loss_handler is not None and not math.isfinite(loss.item()):
            self.nonfinite_loss_handler(self, loss)  # raises, or returns to skip this step
            self.zero_grad()
            return
        if (
            self._plain_protocol
            and self._accumulative_counts == 1
            and _PROTOCOL.isdisjoint(self.__dict__)
            and self.clip_func is None
            and not step_kwargs
            and not zero_kwargs
        ):  # what the calls below amount to here, without their frames
            loss.backward()
            self._inner_count += 1
            self.optimizer.step()
            self.optimizer.zero_grad()
            return
        self.backward(self.scale_loss(loss))
        if self.should_update():  # no empty kwargs dicts built per iteration
            if step_kwargs:
                self.step(**step_kwargs)
            else:
                self.step()
            if zero_kwargs:
                self.zero_grad(**zero_kwargs)
            else:
                self.zero_grad()

    def backward(self, loss: torch.Tensor, **kwargs: Any) -> None:
        """``loss.backward(**kwargs)`` and count one backward for accumulation."""
        loss.backward(**kwargs)
        self._inner_count += 1

    def zero_grad(self, **kwargs: Any) -> None:
        """``optimizer.zero_grad(**kwargs)``."""
        self.optimizer.zero_grad(**kwargs)

    def step(self, **kwargs: Any) -> None:
        """Clip gradients if configured, then ``optimizer.step(**kwargs)``."""
        if self.clip_func is not None:
            self._clip_grad()
        self.optimizer.step(**kwargs)

    def _clip_grad(self) -> None:
        params = [
            p
            for group in self.optimizer.param_groups
            for p in group["params"]
            if p.requires_grad and p.grad is not None
        ]
        # a collective clip (FSDP's) runs on every rank, even one without gradients here
        if params or getattr(self.clip_func, "collective", False):
            result = self.clip_func(params, **self.clip_grad_kwargs)
            if result is not None:  # clip_grad_value_ returns None
                self.grad_norm = float(result)
                # logged (smoothed like the loss) as MMEngine does, by the current run's hub
                hub = MessageHub.get_current_instance()
                hub.update_scalar("train/grad_norm", self.grad_norm)

    # ----------------------------------------------------------- accumulation
    @property
    def accumulative_counts(self) -> int:
        return self._accumulative_counts

    @property
    def inner_count(self) -> int:
        """How many backwards this wrapper has run (or was told it had, on resume)."""
        return self._inner_count

    @property
    def max_counts(self) -> int:
        return self._max_counts

    def initialize_count_status(self, model: nn.Module, init_counts: int, max_counts: int) -> None:
        """Tell the wrapper where training stands, so the last window is scaled exactly.

        Args:
            model: the trained model (checked for BatchNorm, which accumulation skews).
            init_counts: iterations already done (non-zero when resuming).
            max_counts: total iterations of the training.
        """
        if max_counts < init_counts:
            raise ValueError(
                f"max_counts ({max_counts}) must be >= init_counts ({init_counts}): "
                "pass the iterations done so far and the total number of iterations"
            )
        self._inner_count = init_counts
        self._max_counts = max_counts
        if init_counts % self._accumulative_counts != 0:
            warnings.warn(
                f"resuming at iteration {init_counts}, which is not a multiple of "
                f"accumulative_counts={self._accumulative_counts}: the first window after "
                "resuming is shorter than the others",
                stacklevel=2,
            )
        if self._accumulative_counts > 1 and _has_batch_norm(model):
            logger.warning(
                "gradient accumulation with BatchNorm layers: the statistics see the small "
                "per-iteration batch, not the accumulated one"
            )
        self._remainder_counts = max_counts % self._accumulative_counts
        self._divisible_counts = max_counts - self._remainder_counts

    def scale_loss(self, loss: torch.Tensor) -> torch.Tensor:
        """Divide ``loss`` by the length of the accumulation window it belongs to."""
        if self._accumulative_counts == 1:
            return loss
        if self._max_counts == -1 or self._inner_count < self._divisible_counts:
            return loss / self._accumulative_counts
        if self._inner_count >= self._max_counts:
            raise RuntimeError(
                f"backward number {self._inner_count + 1} is past max_counts="
                f"{self._max_counts} given to initialize_count_status"
            )
        return loss / self._remainder_counts

    def should_update(self) -> bool:
        """Whether the last backward completed an accumulation window (or the training)."""
        return (
            self._inner_count % self._accumulative_counts == 0
            or self._inner_count == self._max_counts
        )

    def should_sync(self) -> bool:
        """Whether the next backward completes a window, so DDP must all-reduce it."""
        count = self._inner_count + 1
        return count % self._accumulative_counts == 0 or count == self._max_counts

    def optim_context(self, model: nn.Module) -> AbstractContextManager:
        """Run the forward pass in here: it skips DDP's gradient sync mid-window.

        A plain method returning a shared no-op context in the common case (no
        ``no_sync`` on the model's class, or a step that syncs): it runs every iteration.
        """
        # the cheap tests first: getattr on a class without no_sync raises (and clears) an
        # AttributeError inside
        if (
            self._accumulative_counts == 1
            or self.should_sync()
            or getattr(type(model), "no_sync", None) is None
        ):
            return NO_CONTEXT
        return model.no_sync()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(accumulative_counts={self._accumulative_counts}, "
            f"clip_grad={self.clip_grad_kwargs or None}, optimizer={self.optimizer!r})"
        )
