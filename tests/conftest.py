"""Helpers shared by the whole suite."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str, env_extra: dict[str, str] | None = None, check: bool = True):
    """Run ``python -c code`` in a fresh interpreter of this environment."""
    env = {**os.environ, **(env_extra or {})}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    if check and result.returncode != 0:
        raise AssertionError(f"subprocess failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture
def python():
    return run_python


LAUNCH_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_ranks(argv: list[str], nprocs: int = 2, timeout: float = 120) -> None:
    """Run ``argv`` as ranks 0..nprocs-1 of one job, with the variables torchrun sets.

    Each process gets RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR
    (loopback) and a free MASTER_PORT; a rank exiting non-zero fails the test with
    its output. The workers write what the test asserts on into files.
    """
    base = {k: v for k, v in os.environ.items() if k not in LAUNCH_VARS}
    base.update(
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(free_port()),
        WORLD_SIZE=str(nprocs),
        LOCAL_WORLD_SIZE=str(nprocs),
        OMP_NUM_THREADS="1",
    )
    procs = [
        subprocess.Popen(
            argv,
            env={**base, "RANK": str(rank), "LOCAL_RANK": str(rank)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rank in range(nprocs)
    ]
    try:
        outputs = [proc.communicate(timeout=timeout) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    for rank, (proc, (stdout, stderr)) in enumerate(zip(procs, outputs, strict=True)):
        assert proc.returncode == 0, f"rank {rank} failed:\n{stdout}\n{stderr}"


@pytest.fixture(scope="session")
def launch_ranks():
    """:func:`run_ranks`, for tests and module-scoped fixtures."""
    return run_ranks
