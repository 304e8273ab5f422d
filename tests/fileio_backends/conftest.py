"""Real servers on loopback for the backend tests: http.server and memcached (moto S3 is
in tests/conftest.py, shared with the checkpoint tests)."""

from __future__ import annotations

import getpass
import http.server
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.servers import free_port, serve_directory, stop_process, wait_until


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    return free_port()


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
    with serve_directory(_Handler, root) as base:
        yield base, root


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
        stop_process(proc)
