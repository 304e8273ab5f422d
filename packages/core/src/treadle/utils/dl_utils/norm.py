"""Recognise normalisation layers (weight decay and init code treat them apart)."""

from __future__ import annotations

from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

#: the layer bases MMEngine counts as normalisation
_NORM_BASES = (_BatchNorm, _InstanceNorm, nn.GroupNorm, nn.LayerNorm)


def is_norm(layer: nn.Module, exclude: type | tuple[type, ...] | None = None) -> bool:
    """True if ``layer`` is a batch, instance, group or layer norm not of an ``exclude`` type."""
    if exclude is not None:
        excluded = exclude if isinstance(exclude, tuple) else (exclude,)
        if not all(isinstance(kind, type) for kind in excluded):
            raise TypeError(
                f"is_norm: exclude must be None, a type or a tuple of types; got {exclude!r}"
            )
        if excluded and isinstance(layer, excluded):
            return False
    return isinstance(layer, _NORM_BASES)


def has_batch_norm(model: nn.Module) -> bool:
    """True if ``model`` is or contains a batch norm layer (SyncBatchNorm included)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"has_batch_norm expects an nn.Module, got {type(model).__name__}")
    return any(isinstance(module, _BatchNorm) for module in model.modules())
