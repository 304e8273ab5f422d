"""Checkpoints of a fully sharded (FSDP) model: the whole model and optimizer state,
gathered on every rank (a collective: all ranks take part), so a checkpoint does not
depend on the number of ranks that wrote it, and loaded back into each rank's shards.

Nothing here imports ``torch.distributed.fsdp`` unless it already is: no FSDP model can
exist before that import.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn


def is_sharded(model: nn.Module) -> bool:
    """Whether ``model`` is an FSDP module (whose state must be gathered by all ranks)."""
    fsdp = sys.modules.get("torch.distributed.fsdp")
    return fsdp is not None and isinstance(model, fsdp.FullyShardedDataParallel)


@contextmanager
def _full_state(model: nn.Module) -> Iterator[None]:
    from torch.distributed.fsdp import (
        FullOptimStateDictConfig,
        FullStateDictConfig,
        FullyShardedDataParallel,
        StateDictType,
    )

    offload = torch.cuda.is_available()  # gathered on the GPU, kept on the CPU
    with FullyShardedDataParallel.state_dict_type(
        model,
        StateDictType.FULL_STATE_DICT,
        FullStateDictConfig(offload_to_cpu=offload, rank0_only=False),
        FullOptimStateDictConfig(offload_to_cpu=offload, rank0_only=False),
    ):
        yield


def model_state(model: nn.Module) -> dict[str, Any]:
    """The whole model's state dict, under the unwrapped model's parameter names."""
    with _full_state(model):
        return model.state_dict()


def load_model_state(model: nn.Module, state_dict: dict[str, Any], strict: bool) -> Any:
    """Load a whole-model state dict into the shards; returns the missing/unexpected keys."""
    with _full_state(model):
        return model.load_state_dict(state_dict, strict=strict)


def _optimizer_of(optim_wrapper: Any) -> torch.optim.Optimizer:
    optimizer = getattr(optim_wrapper, "optimizer", None)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            "checkpoints of an FSDP model support one optimizer wrapper (an OptimWrapper or "
            f"AmpOptimWrapper), got {type(optim_wrapper).__name__}"
        )
    return optimizer


def optimizer_state(model: nn.Module, optim_wrapper: Any) -> dict[str, Any]:
    """``optim_wrapper.state_dict()`` with the optimizer's part gathered whole."""
    state = optim_wrapper.state_dict()
    with _full_state(model):
        state.update(type(model).optim_state_dict(model, _optimizer_of(optim_wrapper)))
    return state


def load_optimizer_state(model: nn.Module, optim_wrapper: Any, state: dict[str, Any]) -> None:
    """Load a state :func:`optimizer_state` made into the wrapper of this rank's shards."""
    optimizer = _optimizer_of(optim_wrapper)
    whole = {key: state[key] for key in ("state", "param_groups")}
    with _full_state(model):
        local = type(model).optim_state_dict_to_load(model, optimizer, whole)
    optim_wrapper.load_state_dict({**state, **local})
