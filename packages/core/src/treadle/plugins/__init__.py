"""Plugin discovery: installed distributions extend Treadle through entry points.

A plugin is an entry point in group ``treadle.plugins`` whose name is the
plugin's scope and whose value is a light *manifest* module (see ``loader``).
``import treadle.plugins`` imports only the exception classes: the index, the
loader and pluggy load when first used (PEP 562), so registry users never pay
for what they do not touch.
"""

from __future__ import annotations

from treadle.plugins.errors import (
    PluginConflictError,
    PluginError,
    PluginLoadError,
    PluginWarning,
    UnknownScopeError,
)
from treadle.utils.lazy import lazy_exports

# public name -> module defining it
_LAZY = {
    "GROUP": "treadle.plugins.index",
    "PluginEntry": "treadle.plugins.index",
    "entries": "treadle.plugins.index",
    "Plugin": "treadle.plugins.loader",
    "PluginStatus": "treadle.plugins.loader",
    "config_dir": "treadle.plugins.loader",
    "get_plugin": "treadle.plugins.loader",
    "installed_scopes": "treadle.plugins.loader",
    "load_all": "treadle.plugins.loader",
    "load_scope": "treadle.plugins.loader",
    "plugins": "treadle.plugins.loader",
    "hookimpl": "treadle.plugins.hookspecs",
    "plugin_manager": "treadle.plugins.manager",
}

__all__ = [
    "PluginConflictError",
    "PluginError",
    "PluginLoadError",
    "PluginWarning",
    "UnknownScopeError",
    *_LAZY,
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
