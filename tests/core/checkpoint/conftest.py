"""Loopback servers for checkpoint loading: moto (S3 protocol) and a threading http.server."""

from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_args() -> Iterator[dict[str, Any]]:
    """backend_args for a moto S3 server process on 127.0.0.1 (dummy credentials)."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"moto exited early with code {proc.returncode}")
            try:
                urllib.request.urlopen(endpoint, timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("moto did not come up within 60 s") from None
                time.sleep(0.1)
        yield dict(
            key="testing",
            secret="testing",
            endpoint_url=endpoint,
            client_kwargs={"region_name": "us-east-1"},
        )
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def s3_dir(s3_args: dict[str, Any], request: pytest.FixtureRequest) -> str:
    """``s3://<fresh bucket>`` named after the test, made with boto3."""
    import boto3

    name = "ck-" + "".join(c if c.isalnum() else "-" for c in request.node.name.lower())[:50]
    boto3.client(
        "s3",
        endpoint_url=s3_args["endpoint_url"],
        aws_access_key_id=s3_args["key"],
        aws_secret_access_key=s3_args["secret"],
        region_name="us-east-1",
    ).create_bucket(Bucket=name.strip("-"))
    return f"s3://{name.strip('-')}"


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a directory; ``/truncated/<name>`` promises 10 MB and hangs up after 100 bytes.

    ``gets`` counts the GET requests per path.
    """

    gets: ClassVar[Counter[str]] = Counter()

    def do_GET(self) -> None:
        self.gets[self.path] += 1
        if self.path.startswith("/truncated/"):
            self.send_response(200)
            self.send_header("Content-Length", str(10 << 20))
            self.end_headers()
            self.wfile.write(b"\x00" * 100)
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def http_gets() -> Counter[str]:
    """GET requests per path that the http_root server has answered."""
    return _Handler.gets


@pytest.fixture(scope="session")
def http_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(base URL, served directory) of an http.server on 127.0.0.1."""
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
