"""``treadle config``: print a merged config, or tell where a value was set.

``treadle config show CONFIG [--cfg-options k=v ...] [--format py|json|yaml]``
prints the config after inheritance and options; ``treadle config where CONFIG
KEY [--cfg-options ...]`` names the file (and line) or the option that set KEY.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from treadle.config import DictAction

    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="print the merged config")
    where = actions.add_parser("where", help="name the file, line or option that set a key")
    for sub in (show, where):
        sub.add_argument("config", help="config file: path, URI or scope::path")
    where.add_argument("key", help="dotted key, e.g. model.backbone.depth or pipeline.1.scale")
    show.add_argument(
        "--format", choices=("py", "json", "yaml"), default="py", help="output format"
    )
    for sub in (show, where):
        sub.add_argument(
            "--cfg-options",
            nargs="+",
            action=DictAction,
            metavar="KEY=VALUE",
            help="override settings, e.g. model.backbone.depth=50 train_pipeline.1.scale=[1,2]",
        )


def run(args: argparse.Namespace) -> int:
    from treadle.config import Config, ConfigError

    try:
        cfg = Config.fromfile(args.config)
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        if args.action == "show":
            from treadle.config.writers import FORMATTERS

            sys.stdout.write(FORMATTERS["." + args.format](cfg.to_dict()))
            return 0
        origin = cfg.where(args.key)
    except (ConfigError, KeyError, OSError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"treadle config: error: {message}", file=sys.stderr)
        return 1
    from treadle.config.writers import format_value

    print(f"{args.key} = {format_value(origin.value, len(args.key) + 3)}")
    print(f"  set by {origin}")
    return 0
