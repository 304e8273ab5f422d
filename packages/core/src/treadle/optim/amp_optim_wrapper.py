"""``AmpOptimWrapper``: ``OptimWrapper`` plus ``torch.autocast`` and a ``GradScaler``.

float16 needs loss scaling against underflow; bfloat16 has float32's range, so
its scaler is created disabled (its state dict is ``{}``, as in MMEngine). Both
run on CPU as well as on accelerators: the device comes from the parameters.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from treadle.optim.optim_wrapper import OptimWrapper
from treadle.registry import OPTIM_WRAPPERS


def _device_type(optimizer: torch.optim.Optimizer) -> str:
    for group in optimizer.param_groups:
        for param in group["params"]:
            return param.device.type
    return "cuda" if torch.cuda.is_available() else "cpu"


@OPTIM_WRAPPERS.register_module()
class AmpOptimWrapper(OptimWrapper):
    """Mixed-precision training: forward under autocast, backward through a loss scaler.

    Args:
        loss_scale: ``'dynamic'`` (default), a float for a fixed scale, or a dict of
            ``torch.amp.GradScaler`` arguments.
        dtype: ``'float16'``, ``'bfloat16'`` (or the torch dtypes), or None for the
            device's default (float16 on accelerators, bfloat16 on CPU).
        use_fsdp: use FSDP's ``ShardedGradScaler``.
        **kwargs: :class:`OptimWrapper` arguments (``optimizer``, ``accumulative_counts``,
            ``clip_grad``).
    """

    valid_dtypes = ("float16", "bfloat16", None)

    def __init__(
        self,
        loss_scale: str | float | dict[str, Any] = "dynamic",
        dtype: str | torch.dtype | None = None,
        use_fsdp: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.device_type = _device_type(self.optimizer)
        if isinstance(dtype, str):
            if dtype not in self.valid_dtypes:
                raise ValueError(
                    f"AmpOptimWrapper dtype must be one of {self.valid_dtypes}, got {dtype!r}"
                )
            dtype = getattr(torch, dtype)
        if dtype is None:
            dtype = torch.float16 if self.device_type != "cpu" else torch.bfloat16
        if dtype not in (torch.float16, torch.bfloat16):
            raise ValueError(f"AmpOptimWrapper dtype must be float16 or bfloat16, got {dtype!r}")
        self.cast_dtype: torch.dtype = dtype
        enabled = dtype is torch.float16
        self._scale_update_param: float | None = None
        if use_fsdp:
            from torch.distributed.fsdp.sharded_grad_scaler import ShardedGradScaler

            scaler_type: Any = ShardedGradScaler
        else:
            scaler_type = torch.amp.GradScaler
        if loss_scale == "dynamic":
            scaler_kwargs: dict[str, Any] = {}
        elif isinstance(loss_scale, (int, float)) and not isinstance(loss_scale, bool):
            self._scale_update_param = float(loss_scale)
            scaler_kwargs = {"init_scale": float(loss_scale)}
        elif isinstance(loss_scale, dict):
            scaler_kwargs = dict(loss_scale)
        else:
            raise TypeError(
                "loss_scale must be 'dynamic', a float (a fixed scale) or a dict of "
                f"torch.amp.GradScaler arguments, got {loss_scale!r}"
            )
        scaler_kwargs.setdefault("enabled", enabled)
        self.loss_scaler = scaler_type(self.device_type, **scaler_kwargs)

    def backward(self, loss: torch.Tensor, **kwargs: Any) -> None:
        """Backward the scaled loss and count it."""
        self.loss_scaler.scale(loss).backward(**kwargs)
        self._inner_count += 1

    def step(self, **kwargs: Any) -> None:
        """Unscale (when clipping), clip, step through the scaler, update the scale."""
        if self.clip_func is not None:
            self.loss_scaler.unscale_(self.optimizer)
            self._clip_grad()
        self.loss_scaler.step(self.optimizer, **kwargs)
        self.loss_scaler.update(self._scale_update_param)

    def state_dict(self) -> dict[str, Any]:
        """The optimizer state plus ``'loss_scaler'`` (``{}`` for a disabled scaler)."""
        state = super().state_dict()
        state["loss_scaler"] = self.loss_scaler.state_dict()
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the optimizer and, if present, the loss scaler (input not mutated)."""
        state = dict(state_dict)
        scaler_state = state.pop("loss_scaler", None)
        if scaler_state is not None:
            self.loss_scaler.load_state_dict(scaler_state)
        super().load_state_dict(state)

    @contextmanager
    def optim_context(self, model: nn.Module) -> Iterator[None]:
        """The accumulation context of :class:`OptimWrapper` plus ``torch.autocast``."""
        with (
            super().optim_context(model),
            torch.autocast(device_type=self.device_type, dtype=self.cast_dtype),
        ):
            yield
