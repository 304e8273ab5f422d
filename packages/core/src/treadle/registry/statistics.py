"""``count_registered_modules`` / ``traverse_registry_tree``: what the registries hold.

Treadle's registries fill lazily: a registry imports its *locations* on first lookup
and plugin scopes load when first named. Counting what is merely imported so far
would depend on what the process happened to touch, so both functions import the
locations of the registries they walk first. ``count_registered_modules`` also loads
every installed plugin (as MMEngine imports all its modules before counting), which
imports torch and each plugin's registering modules; ``traverse_registry_tree``
counts only the scopes already loaded in the given tree.
"""

from __future__ import annotations

from treadle.registry.registry import Registry

TYPE_CHECKING = False  # typing is not imported at runtime: import cost
if TYPE_CHECKING:
    import os
    from typing import Any

RESULT_FILE = "modules_statistic_results.json"


def _log(message: str) -> None:
    from treadle.logging import print_log

    print_log(message, logger="current")


def _import_locations(registry: Registry) -> None:
    """Import ``registry``'s queued locations; a broken plugin registry is counted as it is."""
    try:
        registry.import_from_location()
    except ImportError as exc:
        if registry.parent is None:
            raise  # a root registry's own location: a broken installation, not a plugin
        import warnings

        from treadle.plugins import PluginWarning

        warnings.warn(
            f"registry {registry.name!r} of scope {registry.scope!r} is counted without the "
            f"modules it could not import: {exc}",
            PluginWarning,
            stacklevel=3,
        )


def traverse_registry_tree(registry: Registry, verbose: bool = True) -> list[dict[str, Any]]:
    """Describe every registry in the tree holding ``registry``, root first (depth first).

    Each entry is ``{'num_modules': n, 'scope': scope, '<package/folder>': [names], ...}``:
    the registered names grouped by the package of the module defining them
    (``treadle.model.base_module.Sequential`` falls under ``'treadle/model'``).
    With ``verbose`` each registry's count is logged to the current ``MMLogger``.
    """
    if not isinstance(registry, Registry):
        raise TypeError(
            f"traverse_registry_tree() needs a treadle Registry, got "
            f"{type(registry).__name__}: {registry!r}"
        )
    infos: list[dict[str, Any]] = []
    pending = [registry.root]
    while pending:
        current = pending.pop()
        _import_locations(current)
        info: dict[str, Any] = {"num_modules": len(current.module_dict), "scope": current.scope}
        for name, obj in current.module_dict.items():
            folder = "/".join(getattr(obj, "__module__", "").split(".")[:-1])
            info.setdefault(folder, []).append(name)
        if verbose:
            _log(
                f"Found {info['num_modules']} modules in scope {current.scope!r} of "
                f"registry {current.name!r}"
            )
        infos.append(info)
        pending.extend(reversed(current.children.values()))
    return infos


def count_registered_modules(
    save_path: str | os.PathLike[str] | None = None, verbose: bool = True
) -> dict[str, Any]:
    """Load every installed plugin, then describe every root registry's tree.

    Returns ``{'scan_date': 'YYYY-mm-dd HH:MM:SS', 'registries': {NAME: [...]}}`` with
    one :func:`traverse_registry_tree` list per root registry, by constant name
    (``'MODELS'``, ``'HOOKS'`` ...) in sorted order. ``save_path`` is a directory
    (created if needed) that receives ``modules_statistic_results.json``.
    Plugins that fail to load warn and are left out, as everywhere else.
    """
    if not isinstance(verbose, bool):
        raise TypeError(f"verbose must be a bool, got {type(verbose).__name__}: {verbose!r}")
    import datetime

    from treadle.plugins import load_all
    from treadle.registry.root import ROOT_REGISTRIES

    load_all()
    registries = {
        name: traverse_registry_tree(ROOT_REGISTRIES[name], verbose)
        for name in sorted(ROOT_REGISTRIES)
    }
    scan_data = {
        "scan_date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
        "registries": registries,
    }
    if verbose:
        _log(f"Registry scan finished: {scan_data}")
    if save_path is not None:
        import os

        from treadle.fileio import dump

        if os.path.isfile(save_path):
            raise NotADirectoryError(
                f"count_registered_modules(save_path={str(save_path)!r}): save_path is a "
                f"file; pass the directory that should receive {RESULT_FILE}"
            )
        json_path = os.path.join(save_path, RESULT_FILE)
        dump(scan_data, json_path, indent=2)
        if verbose:
            _log(f"Registry scan saved to {json_path}")
    return scan_data
