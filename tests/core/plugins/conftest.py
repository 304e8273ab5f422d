"""A zoo of throwaway plugin distributions, pip-installed into a target directory.

Each is a real distribution (pyproject, hatchling build, dist-info with entry
points); subprocesses see them by putting the directory on PYTHONPATH.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from support.plugin_projects import install_into, write_plugin_project

ZOO = {
    # distribution: {scope, files under src/<package>/}
    "broken-plugin": {
        "scope": "broken",
        "files": {"plugin.py": "raise ImportError('libfoo.so: cannot open shared object file')\n"},
    },
    "dup-one": {"scope": "dup", "files": {"plugin.py": "LOCATIONS = {}\n"}},
    "dup-two": {"scope": "dup", "files": {"plugin.py": "LOCATIONS = {}\n"}},
    "rootreg-plugin": {
        "scope": "rootreg",
        "files": {
            "plugin.py": "ROOT_LOCATIONS = {'VISBACKENDS': ['rootreg_plugin.backends']}\n",
            "backends.py": textwrap.dedent(
                """
                from treadle.registry import VISBACKENDS

                @VISBACKENDS.register_module()
                class RootRegBackend:
                    pass
                """
            ),
        },
    },
    "badreg-plugin": {
        "scope": "badreg",
        "files": {"plugin.py": "LOCATIONS = {'MODLES': ['badreg_plugin.models']}\n"},
    },
    "brokenloc-plugin": {
        "scope": "brokenloc",
        "files": {
            "plugin.py": "LOCATIONS = {'MODELS': ['brokenloc_plugin.models']}\n",
            "models.py": "import numpy\nraise RuntimeError('weights file missing')\n",
        },
    },
}


@pytest.fixture(scope="session")
def plugin_zoo(tmp_path_factory) -> Path:
    """A directory holding the zoo's installed distributions (put it on PYTHONPATH)."""
    sources = tmp_path_factory.mktemp("zoo-src")
    projects = [write_plugin_project(sources, d, s["scope"], s["files"]) for d, s in ZOO.items()]
    return install_into(tmp_path_factory.mktemp("zoo"), *projects)
