"""``treadle env``: versions of Python, Treadle and its base, plus what plugins report."""

from __future__ import annotations

import argparse
import json
import platform
import sys

from treadle.cli.output import print_table

_PACKAGES = ("treadle-core", "torch", "numpy", "opencv-python", "pluggy", "rich", "PyYAML")


def collect_env() -> dict[str, str]:
    """Name/value pairs for bug reports and run logs (no heavy imports)."""
    import importlib_metadata

    from treadle.plugins import plugin_manager

    info = {"Python": sys.version.split()[0], "Platform": platform.platform()}
    for name in _PACKAGES:
        try:
            info[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            info[name] = "not installed"
    for contributed in plugin_manager().hook.treadle_env_info():
        info.update(contributed)
    return info


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON for machines")


def run(args: argparse.Namespace) -> int:
    info = collect_env()
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        print_table("Environment", ["name", "value"], list(info.items()))
    return 0
