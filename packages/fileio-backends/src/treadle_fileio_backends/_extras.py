"""Importing an optional SDK, with an error that names the extra providing it."""

from __future__ import annotations

import importlib
from types import ModuleType

from treadle.fileio import MissingDependencyError

DIST = "treadle-fileio-backends"


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module``; if absent, say ``pip install 'treadle-fileio-backends[extra]'``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{purpose} needs {module!r}, which is not installed: pip install '{DIST}[{extra}]'"
        ) from exc
