"""Register every ``torch.optim`` optimizer in ``OPTIMIZERS`` under its class name, and
MMEngine's ``ZeroRedundancyOptimizer`` config form.

This module is the registry's lazy location: ``OPTIMIZERS.build(dict(type='SGD', ...))``
imports it on first lookup, so nobody has to import ``treadle.optim`` first.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch.optim

from treadle.registry import OPTIMIZERS


def register_torch_optimizers() -> list[str]:
    """Register each ``torch.optim.Optimizer`` subclass; return the names registered."""
    names = []
    for name, obj in vars(torch.optim).items():
        if (
            inspect.isclass(obj)
            and issubclass(obj, torch.optim.Optimizer)
            and obj is not torch.optim.Optimizer
            and not name.startswith("_")
        ):
            OPTIMIZERS.register_module(name=name, module=obj)
            names.append(name)
    return sorted(names)


TORCH_OPTIMIZERS = register_torch_optimizers()


@OPTIMIZERS.register_module(name="ZeroRedundancyOptimizer")
def ZeroRedundancyOptimizer(
    params: Any, optimizer_type: str | type, **kwargs: Any
) -> torch.optim.Optimizer:
    """torch's ``ZeroRedundancyOptimizer`` (built by this function, named as MMEngine's class)
    over ``optimizer_type`` (a name in ``OPTIMIZERS``,
    e.g. ``'AdamW'``, or a class), as MMEngine's config form builds it: each rank keeps the
    state of its share of the parameters (ZeRO stage 1). Needs a process group; torch's
    distributed optimizers are imported only here (they take most of a second)."""
    from torch.distributed.optim import ZeroRedundancyOptimizer as TorchZeRO

    optimizer_class = (
        OPTIMIZERS.get(optimizer_type) if isinstance(optimizer_type, str) else (optimizer_type)
    )
    if optimizer_class is None:
        raise OPTIMIZERS.unknown_type_error(optimizer_type)
    return TorchZeRO(list(params), optimizer_class, **kwargs)
