"""``import treadle.config`` stays cheap: no torch, and nothing heavy until it is needed."""

from __future__ import annotations

import ast

from config_parity import CORPUS


def test_import_and_load_import_nothing_heavy(python) -> None:
    heavy = ("torch", "numpy", "yaml", "argparse", "ast", "copy", "re", "treadle.plugins")
    out = python(
        "import sys\n"
        "at_start = set(sys.modules)\n"  # what the interpreter's own start-up (site, .pth) loaded
        "from treadle.config import Config\n"
        "after_import = [m for m in HEAVY if m in sys.modules and m not in at_start]\n"
        f"Config.fromfile({str(CORPUS / 'level3.py')!r})\n"
        "after_load = [m for m in HEAVY if m in sys.modules and m not in at_start]\n"
        "print(repr([after_import, after_load]))".replace("HEAVY", repr(heavy))
    ).stdout
    after_import, after_load = ast.literal_eval(out.strip())
    assert after_import == []
    # a .py chain without {{ }} or plugins needs none of them either
    assert after_load == []


def test_yaml_is_imported_only_for_yaml_files(python) -> None:
    out = python(
        "import sys\n"
        "from treadle.config import Config\n"
        f"Config.fromfile({str(CORPUS / 'yml_str_base.yml')!r})\n"
        "print('yaml' in sys.modules)"
    ).stdout
    assert out.strip() == "True"
