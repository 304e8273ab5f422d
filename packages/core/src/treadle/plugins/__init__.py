"""Plugin discovery: installed distributions extend Treadle through entry points.

A plugin is an entry point in group ``treadle.plugins`` whose name is the
plugin's scope and whose value is a light *manifest* module (see ``loader``).
``import treadle.plugins`` imports only the exception classes: the index, the
loader and pluggy load when first used (PEP 562), so registry users never pay
for what they do not touch.
"""

from __future__ import annotations

import importlib

from treadle.plugins.errors import (
    PluginConflictError,
    PluginError,
    PluginLoadError,
    PluginWarning,
    UnknownScopeError,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# public name -> submodule defining it
_LAZY = {
    "GROUP": "index",
    "PluginEntry": "index",
    "entries": "index",
    "Plugin": "loader",
    "PluginStatus": "loader",
    "config_dir": "loader",
    "get_plugin": "loader",
    "installed_scopes": "loader",
    "load_all": "loader",
    "load_scope": "loader",
    "plugins": "loader",
    "hookimpl": "hookspecs",
    "plugin_manager": "manager",
}

__all__ = [
    "PluginConflictError",
    "PluginError",
    "PluginLoadError",
    "PluginWarning",
    "UnknownScopeError",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'treadle.plugins' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"treadle.plugins.{module}"), name)
    globals()[name] = value
    return value
