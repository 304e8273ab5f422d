"""``treadle``: dispatch to the core sub-commands and to those plugins add.

Core commands are declared here with the module that implements them; only the
chosen command's module is imported, and plugins are consulted only when the
command is not a core one, so ``treadle plugins`` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# command -> (module defining add_arguments(parser) and run(args) -> int, one-line help)
CORE_COMMANDS: dict[str, tuple[str, str]] = {
    "plugins": ("treadle.cli.plugins_cmd", "list installed plugins and their status"),
    "env": ("treadle.cli.env_cmd", "print versions and what plugins report"),
    "config": ("treadle.cli.config_cmd", "print a merged config or where a value was set"),
    "train": ("treadle.cli.train_cmd", "train a model from a config"),
    "test": ("treadle.cli.test_cmd", "evaluate a checkpoint on a config's test set"),
    "complexity": (
        "treadle.cli.complexity_cmd",
        "print the flops, activations and parameters of a config's model",
    ),
}


def build_parser(chosen: str | None) -> argparse.ArgumentParser:
    """The parser, with full arguments for the ``chosen`` core command only."""
    parser = argparse.ArgumentParser(
        prog="treadle", description="Treadle: train PyTorch models from configs."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in CORE_COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(module_name)
            module.add_arguments(sub)
            sub.set_defaults(func=module.run)
    if chosen not in CORE_COMMANDS:
        from treadle.plugins import plugin_manager

        plugin_manager().hook.treadle_add_cli_commands(subparsers=subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in args_list if not a.startswith("-")), None)
    parser = build_parser(chosen)
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help()
        return 2
    return int(args.func(args) or 0)
