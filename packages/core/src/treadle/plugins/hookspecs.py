"""The broadcast extension points plugins may implement (pluggy hookspecs).

Registries and config directories are declared in a plugin's manifest; the
hooks here are for what every plugin may contribute to at once. The set stays
small on purpose. A plugin implements them in the module its manifest names
as ``HOOKS``, decorating functions with ``treadle.plugins.hookimpl``.
"""

from __future__ import annotations

import argparse

import pluggy

PROJECT = "treadle"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def treadle_add_cli_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add sub-commands to the ``treadle`` command line.

    Call ``subparsers.add_parser(name, help=...)`` and set a handler with
    ``parser.set_defaults(func=handler)``; ``handler(args)`` returns the exit code.
    """


@hookspec
def treadle_env_info() -> dict[str, str]:
    """Return name/value pairs describing the environment (``treadle env``, run logs)."""
