"""Backend registration and selection by URI prefix or by ``backend_args['backend']``.

Backends from plugins are found lazily: a plugin manifest declares
``FILEIO_BACKENDS = {"s3": "pkg.module", ..., "*": "pkg.fallback"}``; the first
time an unknown prefix or backend name is asked for, the installed plugins are
loaded and the module declared for it (or a plugin's ``"*"`` catch-all) is
imported, which registers the backend through :func:`register_backend`.
"""

from __future__ import annotations

import importlib
import os
from typing import Any, NoReturn

from treadle.fileio.backends.base import BaseStorageBackend, PathLike
from treadle.fileio.backends.local import LocalBackend
from treadle.fileio.errors import UnknownBackendError

_backends: dict[str, type[BaseStorageBackend]] = {}
_prefix_to_backends: dict[str, type[BaseStorageBackend]] = {}
_instances: dict[tuple[str, str], BaseStorageBackend] = {}
_LOCAL = LocalBackend()

_PLUGIN = "treadle-fileio-backends"
_FROM_PLUGIN = "it is provided by " + _PLUGIN + ": pip install "
# who provides the prefixes and names Treadle knows of, for the unknown-backend error
PROVIDERS: dict[str, str] = {
    "s3": f"{_FROM_PLUGIN}'{_PLUGIN}[s3]'",
    "s3a": f"{_FROM_PLUGIN}'{_PLUGIN}[s3]'",
    "gs": f"{_FROM_PLUGIN}{_PLUGIN} gcsfs",
    "gcs": f"{_FROM_PLUGIN}{_PLUGIN} gcsfs",
    "memory": f"{_FROM_PLUGIN}{_PLUGIN}",
    "fsspec": f"{_FROM_PLUGIN}{_PLUGIN}",
    "http": f"{_FROM_PLUGIN}{_PLUGIN}",
    "https": f"{_FROM_PLUGIN}{_PLUGIN}",
    "lmdb": f"{_FROM_PLUGIN}'{_PLUGIN}[lmdb]'",
    "memcached": f"{_FROM_PLUGIN}'{_PLUGIN}[memcached]'",
    "petrel": f"petrel is OpenMMLab-internal; for s3:// use pip install '{_PLUGIN}[s3]'",
}


def _check(name: str, table: dict[str, Any], what: str, backend: type, force: bool) -> None:
    if name in table and not force and table[name] is not backend:
        raise KeyError(
            f"{what} {name!r} is already registered to {table[name].__qualname__}; "
            f"pass force=True to replace it with {backend.__qualname__}"
        )


def _register(
    name: str,
    backend: type[BaseStorageBackend],
    force: bool,
    prefixes: str | list[str] | tuple[str, ...] | None,
) -> None:
    if not isinstance(name, str):
        raise TypeError(f"backend name must be a str, got {type(name).__name__}: {name!r}")
    if not (isinstance(backend, type) and issubclass(backend, BaseStorageBackend)):
        raise TypeError(f"backend {name!r} must be a BaseStorageBackend subclass, got {backend!r}")
    prefix_list = [prefixes] if isinstance(prefixes, str) else list(prefixes or ())
    _check(name, _backends, "backend", backend, force)
    for prefix in prefix_list:
        _check(prefix, _prefix_to_backends, "prefix", backend, force)
    _backends[name] = backend
    for prefix in prefix_list:
        _prefix_to_backends[prefix] = backend
    _instances.clear()


def register_backend(
    name: str,
    backend: type[BaseStorageBackend] | None = None,
    force: bool = False,
    prefixes: str | list[str] | tuple[str, ...] | None = None,
) -> Any:
    """Register ``backend`` under ``name`` and URI ``prefixes``; a decorator without it."""
    if backend is not None:
        _register(name, backend, force, prefixes)
        return backend

    def decorator(cls: type[BaseStorageBackend]) -> type[BaseStorageBackend]:
        _register(name, cls, force, prefixes)
        return cls

    return decorator


def registered_backends() -> dict[str, type[BaseStorageBackend]]:
    """Backend name -> class (a copy)."""
    return dict(_backends)


def registered_prefixes() -> dict[str, type[BaseStorageBackend]]:
    """URI prefix -> class (a copy)."""
    return dict(_prefix_to_backends)


def parse_uri_prefix(uri: PathLike) -> str:
    """``'s3'`` for ``'s3://b/k'`` (also ``'cluster:s3://b/k'``); ``''`` for a local path."""
    uri = os.fspath(uri)
    head, sep, _ = uri.partition("://")
    if not sep:
        return ""
    return head.rpartition(":")[2]


def _discover(key: str) -> tuple[set[str], list[str]]:
    """Import the plugin module declared for backend name or prefix ``key``, if any.

    Returns, for error messages, every name and prefix the loaded plugins declare
    and a line per plugin that failed to load (it may be the one that serves ``key``).
    """
    from treadle import plugins

    plugins.load_all()
    exact: list[tuple[str, str]] = []
    fallback: list[tuple[str, str]] = []
    declared: set[str] = set()
    failed: list[str] = []
    for plugin in plugins.plugins():
        if plugin.status is plugins.PluginStatus.FAILED:
            failed.append(f"plugin {plugin.scope!r} failed to load ({plugin.reason})")
        if plugin.status is not plugins.PluginStatus.LOADED:
            continue
        table = getattr(plugin.manifest, "FILEIO_BACKENDS", None) or {}
        declared.update(k for k in table if k != "*")
        if key in table:
            exact.append((plugin.scope, table[key]))
        elif "*" in table:
            fallback.append((plugin.scope, table["*"]))
    for scope, module in exact or fallback:
        try:
            importlib.import_module(module)
        except Exception as exc:
            raise ImportError(
                f"plugin {scope!r} declares fileio backend module {module!r} for {key!r}, "
                f"and importing it failed: {type(exc).__name__}: {exc}"
            ) from exc
    return declared, failed


def _unknown(
    kind: str,
    key: str,
    table: dict[str, Any],
    found: tuple[set[str], list[str]],
    uri: PathLike | None,
) -> NoReturn:
    declared, failed = found
    known = ", ".join(repr(k) for k in sorted(set(table) | declared)) or "none"
    plural = "prefixes" if kind == "prefix" else "backends"
    if kind == "prefix":
        known += " (paths without a prefix are local)"
    where = f" (for {os.fspath(uri)!r})" if uri is not None else ""
    if key in PROVIDERS:
        hint = PROVIDERS[key]
    else:
        hint = (
            "no installed plugin provides it; a plugin declares backends in its manifest's "
            "FILEIO_BACKENDS, or register one with treadle.fileio.register_backend"
        )
    broken = "".join(f"; {line}" for line in failed)
    raise UnknownBackendError(
        f"no storage backend for {kind} {key!r}{where}; {hint}. Registered {plural}: "
        f"{known}{broken}"
    )


def backend_class(name: str | None = None, uri: PathLike | None = None) -> type[BaseStorageBackend]:
    """The class for backend ``name``, else for ``uri``'s prefix; loads plugins on a miss.

    A ``name`` that is not a backend name but a registered prefix (``'s3'``) works too.
    """
    if name is not None:
        if name not in _backends and name in _prefix_to_backends:
            return _prefix_to_backends[name]
        key, table, kind = name, _backends, "backend"
    else:
        prefix = parse_uri_prefix(uri) if uri is not None else ""
        if not prefix:
            return LocalBackend
        key, table, kind = prefix, _prefix_to_backends, "prefix"
    if key not in table:
        found = _discover(key)
        if kind == "backend" and key not in table and key in _prefix_to_backends:
            return _prefix_to_backends[key]
        if key not in table:
            _unknown(kind, key, table, found, uri)
    return table[key]


def get_file_backend(
    uri: PathLike | None = None,
    *,
    backend_args: dict[str, Any] | None = None,
    enable_singleton: bool = False,
) -> BaseStorageBackend:
    """The backend serving ``uri``, built with ``backend_args`` (minus its ``backend`` key).

    ``backend_args=dict(backend='lmdb', db_path=...)`` picks a backend by name;
    otherwise the URI prefix (``s3://`` ...) does, and a plain path is local.
    ``enable_singleton`` returns one shared instance per backend and arguments.
    """
    if not backend_args:
        if uri is None or "://" not in os.fspath(uri):
            return _LOCAL
        args: dict[str, Any] = {}
        name = None
    else:
        args = dict(backend_args)
        name = args.pop("backend", None)
    cls = backend_class(name, uri)
    if enable_singleton:
        key = (f"{cls.__module__}.{cls.__qualname__}", repr(sorted(args.items())))
        if key not in _instances:
            _instances[key] = _build(cls, args)
        return _instances[key]
    return _build(cls, args)


def _build(cls: type[BaseStorageBackend], args: dict[str, Any]) -> BaseStorageBackend:
    try:
        return cls(**args)
    except TypeError as exc:
        raise TypeError(
            f"{cls.__qualname__} rejected backend_args {args!r}: {exc}. Check the argument "
            f"names against {cls.__qualname__}.__init__"
        ) from exc


register_backend("local", LocalBackend)
register_backend("disk", LocalBackend)  # MMEngine's FileClient name for local disk
