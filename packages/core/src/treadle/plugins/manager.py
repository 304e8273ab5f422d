"""The pluggy ``PluginManager`` carrying Treadle's broadcast hooks.

Built on first use: it loads every plugin and registers each one's ``HOOKS``
module. A hooks module that fails to import marks its plugin failed (one
warning) and the others still take part.
"""

from __future__ import annotations

import importlib

import pluggy

from treadle.plugins import hookspecs
from treadle.plugins.loader import PluginStatus, load_all, mark_failed, plugins

_manager: pluggy.PluginManager | None = None


def plugin_manager() -> pluggy.PluginManager:
    """The process-wide manager with every loaded plugin's hook implementations."""
    global _manager
    if _manager is None:
        manager = pluggy.PluginManager(hookspecs.PROJECT)
        manager.add_hookspecs(hookspecs)
        load_all()
        for plugin in plugins():
            if plugin.status is not PluginStatus.LOADED or plugin.hooks_module is None:
                continue
            try:
                module = importlib.import_module(plugin.hooks_module)
                manager.register(module, name=plugin.scope)
            except Exception as exc:
                mark_failed(plugin, exc)
        _manager = manager
    return _manager
