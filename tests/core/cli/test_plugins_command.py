"""``treadle plugins`` and friends, run as a user runs them: real processes."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys


def treadle(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("treadle")
    assert exe, "the treadle console script is installed with treadle-core"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)


def test_plain_text_when_piped():
    result = treadle("plugins")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Treadle plugins"
    assert lines[1].split() == ["scope", "distribution", "version", "status", "entry", "point"]
    rows = {line.split()[0]: line.split() for line in lines[2:]}
    assert rows["acme"][1:4] == ["acme-treadle", "1.2.3", "loaded"]
    assert rows["vision"][1] == "treadle-vision"
    assert "─" not in result.stdout and "\x1b[" not in result.stdout


def test_components_and_json():
    result = treadle("plugins", "--components", "--json")
    records = {r["scope"]: r for r in json.loads(result.stdout)}
    assert records["acme"]["components"] == {
        "HOOKS": ["acme.SlackHook"],
        "METRICS": ["acme.SampleCount"],
    }
    assert records["vision"]["components"]["TRANSFORMS"] == ["vision.RandomFlip"]
    assert records["vision"]["config_dir"].endswith("treadle_vision/configs")
    text = treadle("plugins", "--components").stdout
    assert "Registered components" in text and "acme.SlackHook" in text


def test_no_load_reports_the_index_only():
    records = json.loads(treadle("plugins", "--json", "--no-load").stdout)
    assert {r["status"] for r in records} == {"not loaded"}


def test_rich_table_on_a_terminal():
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "treadle", "plugins"],
        stdout=secondary,
        stderr=secondary,
        env={**os.environ, "COLUMNS": "120"},
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=60) == 0
    screen = b"".join(chunks).decode()
    assert "┃" in screen or "│" in screen  # a box-drawn table
    assert "acme-treadle" in screen and "Treadle plugins" in screen


def test_plugin_contributed_command_and_env():
    result = treadle("acme-hello", "ada")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "hello from acme, ada"
    info = json.loads(treadle("env", "--json").stdout)
    assert info["acme-treadle"] == "1.2.3" and info["treadle-core"] == "0.1.0"


def test_python_dash_m_and_help():
    result = subprocess.run(
        [sys.executable, "-m", "treadle"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "plugins" in result.stdout and "env" in result.stdout
    assert "acme-hello" in result.stdout  # plugin commands listed in the help
