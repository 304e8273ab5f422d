"""Checkpoint state held in pieces across ranks, gathered for saving and spread back when
loading (collectives: every rank takes part).

A fully sharded (FSDP) model: its whole model and optimizer state, gathered through
``torch.distributed.checkpoint.state_dict`` (which also serves FSDP2 and DDP), so a
checkpoint does not depend on the number of ranks that wrote it. A ZeRO optimizer: the
state each rank keeps for its share of the parameters, consolidated on rank 0.

Nothing here imports ``torch.distributed.fsdp`` unless it already is: no FSDP model can
exist before that import.
"""

from __future__ import annotations

import sys
from typing import Any

import torch
from torch import nn


def is_sharded(model: nn.Module) -> bool:
    """Whether ``model`` is an FSDP module (whose state must be gathered by all ranks)."""
    fsdp = sys.modules.get("torch.distributed.fsdp")
    return fsdp is not None and isinstance(model, fsdp.FullyShardedDataParallel)


def _options(**kwargs: Any) -> Any:
    from torch.distributed.checkpoint.state_dict import StateDictOptions

    return StateDictOptions(full_state_dict=True, **kwargs)


def model_state(model: nn.Module) -> dict[str, Any]:
    """The whole model's state dict, under the unwrapped model's parameter names.

    On GPUs the whole state lands on rank 0 only, in CPU memory (the rank that writes it).
    """
    from torch.distributed.checkpoint.state_dict import get_model_state_dict

    return get_model_state_dict(model, options=_options(cpu_offload=torch.cuda.is_available()))


def load_model_state(model: nn.Module, state_dict: dict[str, Any], strict: bool) -> Any:
    """Load a whole-model state dict into the shards; returns the missing/unexpected keys."""
    from torch.distributed.checkpoint.state_dict import set_model_state_dict

    return set_model_state_dict(model, state_dict, options=_options(strict=strict))


def _optimizer_of(optim_wrapper: Any) -> torch.optim.Optimizer:
    optimizer = getattr(optim_wrapper, "optimizer", None)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            "checkpoints of an FSDP model support one optimizer wrapper (an OptimWrapper or "
            f"AmpOptimWrapper), got {type(optim_wrapper).__name__}"
        )
    return optimizer


def optimizer_state(model: nn.Module, optim_wrapper: Any) -> dict[str, Any]:
    """``optim_wrapper.state_dict()`` with the optimizer's part gathered whole (keyed by
    parameter name)."""
    from torch.distributed.checkpoint.state_dict import get_optimizer_state_dict

    state = optim_wrapper.state_dict()
    offload = torch.cuda.is_available()
    optimizer = _optimizer_of(optim_wrapper)
    state.update(get_optimizer_state_dict(model, optimizer, options=_options(cpu_offload=offload)))
    return state


def load_optimizer_state(model: nn.Module, optim_wrapper: Any, state: dict[str, Any]) -> None:
    """Load a state :func:`optimizer_state` made into the wrapper of this rank's shards."""
    from torch.distributed.checkpoint.state_dict import set_optimizer_state_dict

    optimizer = _optimizer_of(optim_wrapper)
    whole = {key: state[key] for key in ("state", "param_groups")}
    set_optimizer_state_dict(model, optimizer, whole, options=_options())
    extras = {key: value for key, value in state.items() if key not in whole}
    optim_wrapper.load_state_dict({**extras, **optimizer.state_dict()})


def consolidate_optimizers(optim_wrapper: Any) -> None:
    """Gather on rank 0 the state that ZeRO optimizers (``ZeroRedundancyOptimizer``) keep a
    share of on each rank, before rank 0 reads ``state_dict()``; a collective, called by every
    rank. Plain optimizers are left alone."""
    wrappers = optim_wrapper.values() if hasattr(optim_wrapper, "values") else [optim_wrapper]
    for wrapper in wrappers:
        consolidate = getattr(getattr(wrapper, "optimizer", None), "consolidate_state_dict", None)
        if consolidate is not None:
            consolidate()
