"""``cfg.activation_checkpointing``: trade compute for memory in named submodules (MMEngine's
option). Their activations are not kept for backward but recomputed then, through
``torch.utils.checkpoint``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from torch import nn
from torch.utils.checkpoint import checkpoint

from treadle.model.utils import named_submodules


def _checkpointed(forward: Callable) -> Callable:
    @functools.wraps(forward)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return checkpoint(forward, *args, use_reentrant=False, **kwargs)

    return wrapper


def turn_on_activation_checkpointing(model: nn.Module, modules: str | list[str]) -> None:
    """Recompute the activations of ``modules`` (dotted names in ``model``, e.g.
    ``'backbone.layer3'``) during backward instead of storing them."""
    for _, module in named_submodules(model, modules, "activation_checkpointing"):
        module.forward = _checkpointed(module.forward)


def maybe_checkpoint_activations(model: nn.Module, modules: Any, logger: Any) -> None:
    """Apply ``cfg.activation_checkpointing`` (None: nothing to do) to the unwrapped model."""
    if modules is None:
        return
    logger.info(f"activation checkpointing in {modules}")
    turn_on_activation_checkpointing(model, modules)
