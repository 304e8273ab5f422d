"""Register every ``torch.optim`` optimizer in ``OPTIMIZERS`` under its class name.

This module is the registry's lazy location: ``OPTIMIZERS.build(dict(type='SGD', ...))``
imports it on first lookup, so nobody has to import ``treadle.optim`` first.
"""

from __future__ import annotations

import inspect

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
