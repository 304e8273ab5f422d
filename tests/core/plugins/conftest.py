"""A zoo of throwaway plugin distributions, pip-installed into a target directory.

Each is a real distribution (pyproject, hatchling build, dist-info with entry
points); subprocesses see them by putting the directory on PYTHONPATH.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

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


def _write_project(base: Path, dist: str, scope: str, files: dict[str, str]) -> Path:
    package = dist.replace("-", "_")
    project = base / dist
    (project / "src" / package).mkdir(parents=True)
    (project / "src" / package / "__init__.py").write_text("")
    for name, text in files.items():
        (project / "src" / package / name).write_text(text)
    (project / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"

            [project]
            name = "{dist}"
            version = "0.0.1"

            [project.entry-points."treadle.plugins"]
            {scope} = "{package}.plugin"

            [tool.hatch.build.targets.wheel]
            packages = ["src/{package}"]
            """
        )
    )
    return project


@pytest.fixture(scope="session")
def plugin_zoo(tmp_path_factory) -> Path:
    """A directory holding the zoo's installed distributions (put it on PYTHONPATH)."""
    sources = tmp_path_factory.mktemp("zoo-src")
    target = tmp_path_factory.mktemp("zoo")
    projects = [_write_project(sources, d, s["scope"], s["files"]) for d, s in ZOO.items()]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            *map(str, projects),
        ],
        check=True,
    )
    return target
