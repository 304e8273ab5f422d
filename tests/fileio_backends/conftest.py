"""Real servers on loopback for the backend tests: moto (S3), http.server, memcached."""

from __future__ import annotations

import getpass
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Any, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited early with code {proc.returncode}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up within 60 s")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    return free_port()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto S3 server process speaking the S3 protocol on 127.0.0.1."""
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
        _stop(proc)


@pytest.fixture(scope="session")
def s3_args(moto_endpoint: str) -> dict[str, Any]:
    """backend_args for the moto server: dummy credentials, loopback endpoint."""
    return dict(
        key="testing",
        secret="testing",
        endpoint_url=moto_endpoint,
        client_kwargs={"region_name": "us-east-1"},
    )


@pytest.fixture
def bucket(s3_args: dict[str, Any], request: pytest.FixtureRequest) -> str:
    """A fresh bucket per test (named after it), made with boto3 (moto's own client)."""
    import boto3

    name = "t-" + request.node.name.lower().replace("_", "-")[:50].strip("-[]")
    name = "".join(c if c.isalnum() or c == "-" else "-" for c in name)
    boto3.client(
        "s3",
        endpoint_url=s3_args["endpoint_url"],
        aws_access_key_id=s3_args["key"],
        aws_secret_access_key=s3_args["secret"],
        region_name="us-east-1",
    ).create_bucket(Bucket=name)
    return name


class _Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/truncated.bin":  # promises 100000 bytes, sends 10, hangs up
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def http_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(base URL, served directory) of a threading http.server on 127.0.0.1."""
    root = tmp_path_factory.mktemp("www")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a: _Handler(*a, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def memcached_server() -> Iterator[str]:
    """'127.0.0.1:PORT' of a memcached process (Debian's memcached package)."""
    binary = shutil.which("memcached")
    if binary is None:
        pytest.fail(
            "the memcached binary is not installed, so MemcachedBackend cannot be tested "
            "against a real server: apt-get install memcached (.ci/run does this)"
        )
    port = free_port()
    cmd = [binary, "-l", "127.0.0.1", "-p", str(port), "-U", "0"]
    if os.geteuid() == 0:
        cmd += ["-u", getpass.getuser()]  # memcached refuses root without -u
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def answers() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True

    try:
        wait_until(answers, "memcached", proc)
        yield f"127.0.0.1:{port}"
    finally:
        _stop(proc)
