"""A user's path: a fresh venv with only treadle-core and treadle-vision installed."""

from __future__ import annotations

import json
import subprocess
import sys


def test_core_and_vision_alone_in_a_fresh_venv(tmp_path, repo_root):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(repo_root / "packages" / "core"),
            str(repo_root / "packages" / "vision"),
        ],
        check=True,
        timeout=600,
    )
    code = """
import json, sys
from treadle.registry import TRANSFORMS, DefaultScope
root_built = TRANSFORMS.build(dict(type='vision.RandomFlip', prob=1.0))
with DefaultScope.overwrite_default_scope('vision'):
    unscoped = TRANSFORMS.build(dict(type='RandomFlip'))
import treadle.plugins as p
print(json.dumps([type(root_built).__module__, type(unscoped).__name__, p.installed_scopes()]))
"""
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    module, unscoped, scopes = json.loads(out.stdout)
    assert module == "treadle_vision.transforms" and unscoped == "RandomFlip"
    assert scopes == ["vision"]
    listing = subprocess.run(
        [str(venv / "bin" / "treadle"), "plugins"], capture_output=True, text=True, check=True
    ).stdout
    assert "treadle-vision" in listing and "acme" not in listing
