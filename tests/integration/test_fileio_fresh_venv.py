"""File IO in a fresh venv: what a user without the plugin, then without its extras, sees."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, treadle.fileio as f
out = {}
for uri in ('s3://bucket/key.json', 'memory://bucket/key.json'):
    try:
        f.dump({'ok': 1}, uri)
        out[uri] = ['ok', f.load(uri)]
    except Exception as e:
        out[uri] = [type(e).__name__, str(e)]
print(json.dumps(out))
"""


@pytest.mark.slow
def test_remote_prefixes_without_plugin_then_without_extra(tmp_path, repo_root) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")

    def install(*packages: str) -> None:
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *packages],
            check=True,
            timeout=600,
        )

    def probe() -> dict:
        out = subprocess.run([python, "-c", PROBE], capture_output=True, text=True, check=True)
        return json.loads(out.stdout)

    install("hatchling")  # then build our packages without an isolated build env each time
    install("--no-build-isolation", str(repo_root / "packages" / "core"))
    core_only = probe()
    assert core_only["s3://bucket/key.json"][0] == "UnknownBackendError"
    assert "pip install 'treadle-fileio-backends[s3]'" in core_only["s3://bucket/key.json"][1]
    assert core_only["memory://bucket/key.json"][0] == "UnknownBackendError"

    # no extras: fsspec only
    install("--no-build-isolation", str(repo_root / "packages" / "fileio-backends"))
    with_plugin = probe()
    assert with_plugin["memory://bucket/key.json"] == ["ok", {"ok": 1}]
    assert with_plugin["s3://bucket/key.json"][0] == "MissingDependencyError"
    assert "pip install 'treadle-fileio-backends[s3]'" in with_plugin["s3://bucket/key.json"][1]
