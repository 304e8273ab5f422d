"""A loopback http.server for checkpoint loading (moto S3 comes from tests/conftest.py)."""

from __future__ import annotations

import http.server
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from support.servers import serve_directory


@pytest.fixture
def s3_dir(bucket: str) -> str:
    """``s3://<fresh bucket>`` on the session's moto server, named after the test."""
    return f"s3://{bucket}"


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
    with serve_directory(_Handler, root) as base:
        yield base, root
