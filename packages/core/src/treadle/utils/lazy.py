"""Lazy module attributes (PEP 562): export names whose modules load on first use.

``import treadle`` and the torch-free subpackages stay cheap this way: a name such
as ``treadle.Registry`` imports only the module that defines it, once, and is then
cached in the package's namespace.
"""

from __future__ import annotations

import importlib
import sys

TYPE_CHECKING = False  # typing is not imported at runtime: import cost
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def lazy_exports(
    package: str, names: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, resolving ``names[attr]`` (a module path;
    the subpackage ``f"{package}.{attr}"`` itself when the path names it)."""
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        imported = importlib.import_module(module)
        value = imported if module == f"{package}.{name}" else getattr(imported, name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted([*namespace, *names])

    return __getattr__, __dir__


def by_name(modules: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """``{name: module}`` from ``{module: names}``: the table :func:`lazy_exports` takes."""
    return {name: module for module, names in modules.items() for name in names}
