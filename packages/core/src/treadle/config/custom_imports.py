"""``custom_imports = dict(imports=[...], allow_failed_imports=False)``: import before building."""

from __future__ import annotations

import importlib
import sys
import warnings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def import_custom_modules(spec: Any, path: str) -> None:
    """Import the modules ``spec`` names (a dict as above), as ``Config.fromfile`` does."""
    if not isinstance(spec, dict):
        raise TypeError(
            f"{path}: custom_imports must be dict(imports=[...], allow_failed_imports=False), "
            f"got {spec!r}"
        )
    unknown = set(spec) - {"imports", "allow_failed_imports"}
    if unknown:
        raise TypeError(
            f"{path}: custom_imports has unknown keys {sorted(unknown)}; "
            f"allowed: imports, allow_failed_imports"
        )
    imports = spec.get("imports")
    allow_failed = spec.get("allow_failed_imports", False)
    if not imports:
        return
    if isinstance(imports, str):
        imports = [imports]
    if not isinstance(imports, list):
        raise TypeError(
            f"{path}: custom_imports.imports must be a list but got type {type(imports)}"
        )
    for name in imports:
        if not isinstance(name, str):
            raise TypeError(
                f"{path}: custom_imports entry {name!r} is of type {type(name)} and cannot "
                f"be imported"
            )
        try:
            importlib.import_module(name)
        except ImportError as exc:
            if allow_failed:
                warnings.warn(f"{name} failed to import and is ignored.", UserWarning, 3)
                continue
            raise ImportError(
                f"{path}: custom_imports could not import {name!r} ({exc}). Make sure it is "
                f"installed or on PYTHONPATH; sys.path is:\n    " + "\n    ".join(sys.path)
            ) from exc
