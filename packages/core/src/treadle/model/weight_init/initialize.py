"""``initialize(module, init_cfg)``: apply one or more init configs to a module.

An entry may carry ``override=`` (a dict or list of dicts, each with ``name``):
the named attribute is then initialised as a whole, with the override's own
``type`` and arguments, or with the entry's (minus ``layer``) when it gives only
a ``name``.
"""

from __future__ import annotations

import copy
from typing import Any

from torch import nn

from treadle.registry import WEIGHT_INITIALIZERS


def _apply(module: nn.Module, cfg: dict[str, Any], wholemodule: bool = False) -> None:
    from treadle.model.init_report import report_of

    initializer = WEIGHT_INITIALIZERS.build(cfg)
    initializer.wholemodule = wholemodule
    initializer(module)
    report = report_of(module)
    if report is not None:  # inside a top-level init_weights: credit this initialiser
        report.note(module, repr(initializer))


def _apply_overrides(module: nn.Module, override: Any, cfg: dict[str, Any]) -> None:
    if isinstance(override, dict):
        override = [override]
    if not isinstance(override, list):
        raise TypeError(
            f"init_cfg 'override' must be a dict or a list of dicts, got "
            f"{type(override).__name__}: {override!r}"
        )
    for entry in override:
        entry = copy.deepcopy(entry)
        name = entry.pop("name", None)
        if name is None:
            raise ValueError(
                f"each init_cfg 'override' needs a 'name' (the attribute to initialise), "
                f"got {entry!r}"
            )
        if not entry:
            entry.update(cfg)
        elif "type" not in entry:
            raise ValueError(
                f"init_cfg override for {name!r} gives arguments but no 'type': {entry!r}; "
                f"add type=... or give only the name to reuse the outer init_cfg"
            )
        target = getattr(module, name, None)
        if not isinstance(target, nn.Module):
            children = ", ".join(n for n, _ in module.named_children()) or "none"
            raise AttributeError(
                f"init_cfg override names {name!r}, but {type(module).__name__} has no "
                f"submodule of that name (its children: {children})"
            )
        _apply(target, entry, wholemodule=True)


def initialize(module: nn.Module, init_cfg: dict[str, Any] | list[dict[str, Any]]) -> None:
    """Initialise ``module`` from ``init_cfg`` (a dict or a list of dicts)."""
    if isinstance(init_cfg, dict):
        init_cfg = [init_cfg]
    if not isinstance(init_cfg, list):
        raise TypeError(
            f"init_cfg must be a dict or a list of dicts, got {type(init_cfg).__name__}: "
            f"{init_cfg!r}"
        )
    for cfg in init_cfg:
        # copy: one cfg object may be shared by many modules (e.g. repeated blocks)
        cfg = copy.deepcopy(cfg)
        override = cfg.pop("override", None)
        _apply(module, cfg)
        if override is not None:
            cfg.pop("layer", None)
            _apply_overrides(module, override, cfg)
