"""``MMFullyShardedDataParallel``: PyTorch's FSDP for models with ``train_step``/``val_step``/
``test_step``, configured from plain config values (MMEngine's wrapper).

Picked with ``model_wrapper_cfg=dict(type='MMFullyShardedDataParallel', ...)``. Importing
``torch.distributed.fsdp`` costs about half a second, so this module is imported only when
the wrapper is built (``treadle.model`` registers a builder under its name).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.distributed.fsdp import (
    BackwardPrefetch,
    CPUOffload,
    FullyShardedDataParallel,
    MixedPrecision,
    ShardingStrategy,
)

from treadle.model.wrappers import run_forward
from treadle.registry import FUNCTIONS, MODEL_WRAPPERS


def _enum(enum: type, value: Any, key: str) -> Any:
    if value is None or isinstance(value, enum):
        return value
    if isinstance(value, str) and value in enum.__members__:
        return enum[value]
    raise ValueError(
        f"{key} must be one of {sorted(enum.__members__)} (or a {enum.__name__}), got {value!r}"
    )


def _function(value: Any, key: str) -> Callable | None:
    """A callable from a ``FUNCTIONS`` name, a ``dict(type=name, **kwargs)`` or a callable."""
    if value is None or callable(value):
        return value
    if isinstance(value, str):
        return FUNCTIONS.get(value)
    if isinstance(value, dict) and "type" in value:
        kwargs = dict(value)
        fn = kwargs.pop("type")
        return functools.partial(FUNCTIONS.get(fn) if isinstance(fn, str) else fn, **kwargs)
    raise TypeError(
        f"{key} must be a name in FUNCTIONS, a dict(type=name, ...) or a callable, got {value!r}"
    )


def _mixed_precision(value: Any) -> MixedPrecision | None:
    if value is None or isinstance(value, MixedPrecision):
        return value
    if not isinstance(value, dict):
        raise TypeError(f"mixed_precision must be a dict or a MixedPrecision, got {value!r}")
    dtypes = {}
    for key, dtype in value.items():
        dtypes[key] = getattr(torch, dtype) if isinstance(dtype, str) else dtype
        if dtypes[key] is not None and not isinstance(dtypes[key], torch.dtype):
            raise ValueError(f"mixed_precision.{key} must name a torch dtype, got {dtype!r}")
    return MixedPrecision(**dtypes)


def _cpu_offload(value: Any) -> CPUOffload | None:
    if isinstance(value, bool):
        return CPUOffload(offload_params=value)
    if value is None or isinstance(value, CPUOffload):
        return value
    raise TypeError(f"cpu_offload must be a bool or a CPUOffload, got {value!r}")


def _submodules(module: nn.Module, names: Any, key: str) -> Any:
    """Modules (or parameters) given by their names in ``module``."""
    if names is None or not all(isinstance(n, str) for n in names):
        return names
    table = (
        dict(module.named_modules())
        if key == "ignored_modules"
        else dict(module.named_parameters())
    )
    unknown = [n for n in names if n not in table]
    if unknown:
        raise KeyError(f"{key}: {unknown} are not names in {type(module).__name__}")
    return [table[n] for n in names]


class MMFullyShardedDataParallel(FullyShardedDataParallel):
    """FSDP around a model with ``train_step``/``val_step``/``test_step``.

    Besides FSDP's own types, the arguments take config values: ``sharding_strategy``
    and ``backward_prefetch`` as enum names (``'FULL_SHARD'``, ``'BACKWARD_PRE'``),
    ``cpu_offload`` as a bool, ``auto_wrap_policy`` and ``param_init_fn`` as names in
    ``FUNCTIONS`` or ``dict(type=name, **kwargs)``, ``mixed_precision`` as a dict of
    dtype names, and ``ignored_modules``/``ignored_parameters`` as names. On a CPU-only
    machine the model stays on the CPU. ``use_orig_params`` defaults to True, so the
    optimizer (built after wrapping) sees the model's own parameters, and
    ``paramwise_cfg`` applies to them as without FSDP.
    """

    def __init__(
        self,
        module: nn.Module,
        process_group: Any = None,
        sharding_strategy: str | ShardingStrategy | None = None,
        cpu_offload: bool | CPUOffload | None = None,
        auto_wrap_policy: str | dict | Callable | None = None,
        backward_prefetch: str | BackwardPrefetch | None = "BACKWARD_PRE",
        mixed_precision: dict | MixedPrecision | None = None,
        param_init_fn: str | dict | Callable | None = None,
        use_orig_params: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs = dict(kwargs)
        for key in ("ignored_modules", "ignored_parameters"):
            if key in kwargs:
                kwargs[key] = _submodules(module, kwargs[key], key)
        if not torch.cuda.is_available():
            kwargs.setdefault("device_id", torch.device("cpu"))
        super().__init__(
            module,
            process_group=process_group,
            sharding_strategy=_enum(ShardingStrategy, sharding_strategy, "sharding_strategy"),
            cpu_offload=_cpu_offload(cpu_offload),
            auto_wrap_policy=_function(auto_wrap_policy, "auto_wrap_policy"),
            backward_prefetch=_enum(BackwardPrefetch, backward_prefetch, "backward_prefetch"),
            mixed_precision=_mixed_precision(mixed_precision),
            param_init_fn=_function(param_init_fn, "param_init_fn"),
            use_orig_params=use_orig_params,
            **kwargs,
        )

    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, torch.Tensor]:
        """Preprocess, forward through FSDP, parse losses, update; return the log variables."""
        if getattr(optim_wrapper, "clip_func", None) is torch.nn.utils.clip_grad_norm_:
            optim_wrapper.clip_func = _ShardedNormClip(self)
        with optim_wrapper.optim_context(self):
            data = self.module.data_preprocessor(data, training=True)
            losses = run_forward(self, data, mode="loss")
        parsed_loss, log_vars = self.module.parse_losses(losses)
        optim_wrapper.update_params(parsed_loss)
        return log_vars

    def val_step(self, data: Any) -> Any:
        """Predictions, with the forward through FSDP (which gathers the shards)."""
        return run_forward(self, self.module.data_preprocessor(data, False), mode="predict")

    def test_step(self, data: Any) -> Any:
        """Predictions, as :meth:`val_step`."""
        return run_forward(self, self.module.data_preprocessor(data, False), mode="predict")


class _ShardedNormClip:
    """Clipping by norm for an FSDP model: the norm of the whole gradient, over every rank's
    shard (FSDP's ``clip_grad_norm_``, a collective), not of this rank's shard alone."""

    collective = True

    def __init__(self, model: FullyShardedDataParallel) -> None:
        self.model = model

    def __call__(
        self, params: Any, max_norm: float, norm_type: float = 2.0, **unsupported: Any
    ) -> torch.Tensor:
        if unsupported:
            raise TypeError(
                f"clip_grad options {sorted(unsupported)} do not apply to an FSDP model, whose "
                "clip_grad_norm_ takes max_norm and norm_type only"
            )
        return self.model.clip_grad_norm_(max_norm, norm_type)


# the builder treadle.model registered under this name gives way to the class itself
MODEL_WRAPPERS.register_module(module=MMFullyShardedDataParallel, force=True)
