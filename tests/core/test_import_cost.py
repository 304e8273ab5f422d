"""The registry, plugin and utils layers never import torch (their speed lives in bench/)."""

import json


def test_registry_and_plugins_do_not_import_torch(python):
    out = python(
        "import sys, json, treadle, treadle.registry, treadle.plugins, treadle.utils\n"
        "print(json.dumps([m for m in ('torch', 'numpy', 'pluggy', 'importlib_metadata', 'rich')"
        " if m in sys.modules]))"
    ).stdout
    assert json.loads(out) == []
