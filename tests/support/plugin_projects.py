"""Throwaway plugin distributions: written as real projects and pip-installed into a target
directory (subprocesses see them by putting it on PYTHONPATH)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def write_plugin_project(base: Path, dist: str, scope: str, files: dict[str, str]) -> Path:
    """A hatchling project ``base/dist`` whose package (``dist`` with underscores) holds
    ``files`` (paths relative to the package, dedented) and whose ``treadle.plugins`` entry
    point names ``scope`` -> ``<package>.plugin``."""
    package = dist.replace("-", "_")
    project = base / dist
    for name, text in {"__init__.py": "", **files}.items():
        path = project / "src" / package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
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


def install_into(target: Path, *projects: Path) -> Path:
    """pip-install ``projects`` (no dependencies, no build isolation) into ``target``."""
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--no-build-isolation", "--target", str(target), *map(str, projects)],
        check=True,
    )  # fmt: skip
    return target
