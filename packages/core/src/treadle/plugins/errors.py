"""Plugin exceptions and the warning a broken plugin emits once."""

from __future__ import annotations


class PluginWarning(UserWarning):
    """A plugin failed to load; other scopes keep working."""


class PluginError(Exception):
    """Base class of plugin errors."""


class PluginLoadError(PluginError, ImportError):
    """A lookup named a scope whose plugin failed to load (the cause is chained)."""


class PluginConflictError(PluginError, KeyError):
    """Two installed distributions claim the same scope."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownScopeError(PluginError, KeyError):
    """A scope no installed plugin provides."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
