"""Helpers for the logging tests: run Python code under a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest


def run_in_pty(code: str, timeout: float = 120) -> str:
    """Run ``python -c code`` with stdout and stderr on a pseudo-terminal; return its output."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=slave, stdout=slave, stderr=slave, env=env
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=timeout) == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode(errors="replace")


@pytest.fixture
def pty_python():
    return run_in_pty
