"""Plugin discovery: installed distributions extend Treadle through entry points.

A plugin is an entry point in group ``treadle.plugins`` whose name is the
plugin's scope and whose value is a light *manifest* module (see ``loader``).
Nothing is imported at ``import treadle.plugins``: the entry-point index is read
the first time a plugin scope is needed, and pluggy only when the broadcast
hooks are first called (``plugin_manager()``).
"""

from __future__ import annotations

from typing import Any

from treadle.plugins.errors import (
    PluginConflictError,
    PluginError,
    PluginLoadError,
    PluginWarning,
    UnknownScopeError,
)
from treadle.plugins.index import GROUP, PluginEntry, entries
from treadle.plugins.loader import (
    Plugin,
    PluginStatus,
    config_dir,
    get_plugin,
    installed_scopes,
    load_all,
    load_scope,
    plugins,
)

__all__ = [
    "GROUP",
    "Plugin",
    "PluginConflictError",
    "PluginEntry",
    "PluginError",
    "PluginLoadError",
    "PluginStatus",
    "PluginWarning",
    "UnknownScopeError",
    "config_dir",
    "entries",
    "get_plugin",
    "hookimpl",
    "installed_scopes",
    "load_all",
    "load_scope",
    "plugin_manager",
    "plugins",
]


def __getattr__(name: str) -> Any:
    # pluggy is imported only by code that implements or calls the hooks
    if name == "hookimpl":
        from treadle.plugins.hookspecs import hookimpl

        return hookimpl
    if name == "plugin_manager":
        from treadle.plugins.manager import plugin_manager

        return plugin_manager
    raise AttributeError(f"module 'treadle.plugins' has no attribute {name!r}")
