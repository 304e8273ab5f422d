"""Helpers shared by the whole suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.servers import free_port, stop_process, wait_until

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


@pytest.fixture(autouse=True)
def _forget_default_scopes():
    """A runner makes its ``default_scope`` the current one, for the rest of the process (as
    MMEngine's does); drop the ones a test made so later tests start without a scope."""
    from treadle.registry import DefaultScope

    before = dict(DefaultScope._instance_dict)
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(before)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture
def python():
    return run_python


LAUNCH_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


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


@pytest.fixture(scope="session")
def moto_endpoint():
    """A moto S3 server process speaking the S3 protocol on 127.0.0.1 (one per session)."""
    import urllib.request

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: urllib.request.urlopen(endpoint, timeout=2).status == 200, "moto", proc)
        yield endpoint
    finally:
        stop_process(proc)


@pytest.fixture(scope="session")
def s3_args(moto_endpoint: str) -> dict:
    """backend_args for the moto server: dummy credentials, loopback endpoint."""
    return dict(
        key="testing",
        secret="testing",
        endpoint_url=moto_endpoint,
        client_kwargs={"region_name": "us-east-1"},
    )


@pytest.fixture
def bucket(s3_args: dict, request: pytest.FixtureRequest) -> str:
    """A fresh bucket per test (named after it), made with boto3 (moto's own client)."""
    import boto3

    name = "t-" + request.node.name.lower().replace("_", "-")[:50].strip("-[]")
    name = "".join(c if c.isalnum() or c == "-" else "-" for c in name).strip("-")
    boto3.client(
        "s3",
        endpoint_url=s3_args["endpoint_url"],
        aws_access_key_id=s3_args["key"],
        aws_secret_access_key=s3_args["secret"],
        region_name="us-east-1",
    ).create_bucket(Bucket=name)
    return name
