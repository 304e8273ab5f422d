"""Loading plugins: a scope is loaded the first time it is named.

Loading imports the plugin's *manifest* (the entry point's module, which must be
light: no torch or cv2 at module level) and attaches its declared locations to
the registries, lazily. A manifest may define:

``LOCATIONS``
    ``{"MODELS": ["pkg.models"], ...}``: modules that register into the plugin's
    child of that root registry (``MODELS.child(scope)``).
``ROOT_LOCATIONS``
    the same, for modules registering into the root registries themselves.
``CONFIG_DIR``
    the directory that ``scope::path`` config references resolve against.
``HOOKS``
    a module path holding pluggy hook implementations (see ``hookspecs``).
``FILEIO_BACKENDS``
    ``{"s3": "pkg.backends", ..., "*": "pkg.fallback"}``: URI prefixes and backend
    names mapped to the module that registers their storage backend with
    ``treadle.fileio.register_backend``; ``treadle.fileio`` imports it the first time
    the prefix or name is used (``"*"``: tried for any prefix no plugin names).

A plugin that fails to load warns once and breaks only its own scope.
"""

from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import ModuleType

from treadle.plugins.errors import (
    PluginConflictError,
    PluginLoadError,
    PluginWarning,
    UnknownScopeError,
)
from treadle.plugins.index import PluginEntry, entries

MANIFEST_KEYS = ("LOCATIONS", "ROOT_LOCATIONS", "CONFIG_DIR", "HOOKS")


class PluginStatus(str, Enum):
    NOT_LOADED = "not loaded"
    LOADED = "loaded"
    FAILED = "failed"
    CONFLICT = "conflict"


@dataclass
class Plugin:
    """An installed plugin scope and what became of loading it."""

    scope: str
    entries: list[PluginEntry]
    status: PluginStatus = PluginStatus.NOT_LOADED
    error: BaseException | None = None
    manifest: ModuleType | None = None
    config_dir: Path | None = None
    hooks_module: str | None = None
    registries: list[str] = field(default_factory=list)  # root names it has a child of

    @property
    def entry(self) -> PluginEntry:
        return self.entries[0]

    @property
    def reason(self) -> str:
        if self.status is PluginStatus.CONFLICT:
            return "scope claimed by " + " and ".join(e.describe() for e in self.entries)
        if self.error is not None:
            return f"{type(self.error).__name__}: {self.error}"
        return ""


_table: dict[str, Plugin] | None = None
_warned: set[str] = set()


def _plugins() -> dict[str, Plugin]:
    global _table
    if _table is None:
        table: dict[str, Plugin] = {}
        for entry in entries():
            table.setdefault(entry.scope, Plugin(entry.scope, [])).entries.append(entry)
        for plugin in table.values():
            if len(plugin.entries) > 1:
                plugin.status = PluginStatus.CONFLICT
        _table = table
    return _table


def plugins() -> list[Plugin]:
    """Every installed plugin scope, loaded or not, sorted by scope."""
    return [_plugins()[scope] for scope in sorted(_plugins())]


def installed_scopes() -> list[str]:
    return sorted(_plugins())


def mark_failed(plugin: Plugin, exc: BaseException) -> None:
    plugin.status = PluginStatus.FAILED
    plugin.error = exc
    if plugin.scope not in _warned:
        _warned.add(plugin.scope)
        warnings.warn(
            f"Treadle plugin {plugin.scope!r} from {plugin.entry.describe()} failed to load: "
            f"{type(exc).__name__}: {exc}. Other plugins keep working; lookups in scope "
            f"{plugin.scope!r} will raise until it is fixed.",
            PluginWarning,
            stacklevel=4,
        )


def _raise_unusable(plugin: Plugin) -> None:
    if plugin.status is PluginStatus.CONFLICT:
        raise PluginConflictError(
            f"plugin scope {plugin.scope!r} is claimed by more than one installed "
            f"distribution: {plugin.reason.removeprefix('scope claimed by ')}. "
            f"Uninstall one of them."
        )
    raise PluginLoadError(
        f"plugin scope {plugin.scope!r} ({plugin.entry.describe()}) failed to load: {plugin.reason}"
    ) from plugin.error


def _load(plugin: Plugin) -> None:
    from treadle.registry.root import ROOT_REGISTRIES, ROOT_SCOPE

    try:
        if plugin.scope == ROOT_SCOPE or not plugin.scope.isidentifier():
            raise ValueError(
                f"invalid plugin scope name {plugin.scope!r}: use a Python identifier "
                f"other than {ROOT_SCOPE!r}"
            )
        manifest = importlib.import_module(plugin.entry.value)
        declared = {key: getattr(manifest, key, None) for key in MANIFEST_KEYS}
        for key in ("LOCATIONS", "ROOT_LOCATIONS"):
            for name in declared[key] or {}:
                if name not in ROOT_REGISTRIES:
                    raise ValueError(
                        f"manifest {plugin.entry.value!r} names unknown registry {name!r} "
                        f"in {key}; known registries: {', '.join(ROOT_REGISTRIES)}"
                    )
    except Exception as exc:
        mark_failed(plugin, exc)
        raise
    for name, modules in (declared["LOCATIONS"] or {}).items():
        ROOT_REGISTRIES[name].child(plugin.scope).add_locations(modules, origin=plugin.scope)
        plugin.registries.append(name)
    for name, modules in (declared["ROOT_LOCATIONS"] or {}).items():
        ROOT_REGISTRIES[name].add_locations(modules, origin=plugin.scope)
    if declared["CONFIG_DIR"] is not None:
        plugin.config_dir = Path(declared["CONFIG_DIR"])
    plugin.hooks_module = declared["HOOKS"]
    plugin.manifest = manifest
    plugin.status = PluginStatus.LOADED


def load_scope(scope: str) -> Plugin | None:
    """Load the plugin providing ``scope``; None if no installed plugin does.

    Raises :class:`PluginLoadError` (cause chained) if that plugin is broken and
    :class:`PluginConflictError` if two distributions claim the scope.
    """
    plugin = _plugins().get(scope)
    if plugin is None:
        return None
    if plugin.status is PluginStatus.NOT_LOADED:
        try:
            _load(plugin)
        except Exception:
            _raise_unusable(plugin)
    if plugin.status is not PluginStatus.LOADED:
        _raise_unusable(plugin)
    return plugin


_all_loaded = False


def load_all() -> bool:
    """Load every plugin not tried yet; True if any was newly loaded.

    Broken plugins warn (once) and are skipped; conflicts are left for the
    lookups that name their scope.
    """
    global _all_loaded
    if _all_loaded:
        return False
    loaded_any = False
    for plugin in plugins():
        if plugin.status is PluginStatus.NOT_LOADED:
            try:
                _load(plugin)
                loaded_any = True
            except Exception:
                pass  # _load warned; the scope raises when used
    _all_loaded = True
    return loaded_any


def location_failed(scope: str, module: str, exc: BaseException) -> None:
    """A module a plugin registers into a root registry failed to import."""
    plugin = _plugins().get(scope)
    if plugin is not None:
        mark_failed(plugin, ImportError(f"location {module!r}: {type(exc).__name__}: {exc}"))


def get_plugin(scope: str) -> Plugin:
    """The loaded plugin for ``scope``; an error listing installed scopes if none."""
    plugin = load_scope(scope)
    if plugin is None:
        scopes = installed_scopes()
        raise UnknownScopeError(
            f"no installed Treadle plugin provides scope {scope!r}; installed scopes: "
            f"{', '.join(scopes) if scopes else 'none'}. Install the distribution that "
            f"provides it (its entry point group is 'treadle.plugins')."
        )
    return plugin


def config_dir(scope: str) -> Path:
    """The directory holding the configs of plugin ``scope`` (for ``scope::path``)."""
    plugin = get_plugin(scope)
    if plugin.config_dir is None:
        raise UnknownScopeError(
            f"plugin scope {scope!r} ({plugin.entry.describe()}) ships no configs: its "
            f"manifest {plugin.entry.value!r} sets no CONFIG_DIR"
        )
    return plugin.config_dir
