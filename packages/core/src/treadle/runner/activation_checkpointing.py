"""``cfg.activation_checkpointing``: trade compute for memory in named submodules (MMEngine's
option). Their activations are not kept for backward but recomputed then, through
``torch.utils.checkpoint``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from torch import nn
from torch.utils.checkpoint import checkpoint


def _checkpointed(forward: Callable) -> Callable:
    @functools.wraps(forward)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return checkpoint(forward, *args, use_reentrant=False, **kwargs)

    return wrapper


def turn_on_activation_checkpointing(model: nn.Module, modules: str | list[str]) -> None:
    """Recompute the activations of ``modules`` (dotted names in ``model``, e.g.
    ``'backbone.layer3'``) during backward instead of storing them."""
    names = [modules] if isinstance(modules, str) else list(modules)
    known = dict(model.named_modules())
    for name in names:
        if name not in known or not name:
            raise KeyError(
                f"activation_checkpointing: {name!r} is not a submodule of "
                f"{type(model).__name__}; its children are {list(model._modules)}"
            )
        module = known[name]
        module.forward = _checkpointed(module.forward)


def maybe_checkpoint_activations(model: nn.Module, modules: Any, logger: Any) -> None:
    """Apply ``cfg.activation_checkpointing`` (None: nothing to do) to the unwrapped model."""
    if modules is None:
        return
    logger.info(f"activation checkpointing in {modules}")
    turn_on_activation_checkpointing(model, modules)
