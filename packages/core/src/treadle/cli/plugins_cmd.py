"""``treadle plugins``: what is installed, whether it loads, and what it registers."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import warnings
from typing import Any

from treadle.cli.output import print_table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--components", action="store_true", help="also list the names each plugin registers"
    )
    parser.add_argument("--json", action="store_true", help="print JSON for machines")
    parser.add_argument(
        "--no-load", action="store_true", help="only read the index; import no plugin"
    )


def _components(scope: str) -> dict[str, list[str]]:
    from treadle.registry import ROOT_REGISTRIES

    found: dict[str, list[str]] = {}
    for name, registry in ROOT_REGISTRIES.items():
        names = [f"core.{n}" for n in registry.registered_by(scope)]
        child = registry.children.get(scope)
        if child is not None:
            child.import_from_location()
            names += sorted(f"{scope}.{n}" for n in child.module_dict)
        if names:
            found[name] = names
    return found


def collect(load: bool = True, components: bool = False) -> list[dict[str, Any]]:
    """One record per installed plugin scope."""
    from treadle.plugins import PluginStatus, load_all, plugins

    if load:
        load_all()
    records = []
    for plugin in plugins():
        record: dict[str, Any] = {
            "scope": plugin.scope,
            "distribution": ", ".join(e.distribution for e in plugin.entries),
            "version": ", ".join(e.version for e in plugin.entries),
            "entry_point": ", ".join(e.value for e in plugin.entries),
            "config_dir": str(plugin.config_dir) if plugin.config_dir else None,
        }
        if components and plugin.status is PluginStatus.LOADED:
            with contextlib.suppress(ImportError):  # the plugin is now marked failed
                record["components"] = _components(plugin.scope)
        record["status"] = plugin.status.value
        record["reason"] = plugin.reason
        records.append(record)
    return records


def run(args: argparse.Namespace) -> int:
    with warnings.catch_warnings():
        from treadle.plugins import PluginWarning

        warnings.simplefilter("ignore", PluginWarning)  # the table shows the reason
        records = collect(load=not args.no_load, components=args.components)
    if args.json:
        json.dump(records, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    if not records:
        print("No Treadle plugins are installed (entry point group 'treadle.plugins').")
        return 0
    rows = [
        [
            r["scope"],
            r["distribution"],
            r["version"],
            r["status"] + (f": {r['reason']}" if r["reason"] else ""),
            r["entry_point"],
        ]
        for r in records
    ]
    print_table(
        "Treadle plugins", ["scope", "distribution", "version", "status", "entry point"], rows
    )
    if args.components:
        comp_rows = [
            [r["scope"], registry, ", ".join(names)]
            for r in records
            for registry, names in r.get("components", {}).items()
        ]
        print_table("Registered components", ["scope", "registry", "names"], comp_rows)
    return 0
