"""``HTTPBackend``: read-only ``http://`` and ``https://`` through the standard library."""

from __future__ import annotations

import errno
import http.client
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

from treadle.fileio import BaseStorageBackend, RemoteIOError, register_backend
from treadle.fileio.backends.base import PathLike

# transport failures: refused/reset connections, timeouts, truncated bodies
_NETWORK_ERRORS = (urllib.error.URLError, http.client.HTTPException, OSError)


class HTTPBackend(BaseStorageBackend):
    """GET-only access to web servers; ``get_local_path`` downloads to a temp file."""

    def __init__(self, timeout: float = 60.0, headers: dict[str, str] | None = None) -> None:
        self.timeout = timeout
        self.headers = dict(headers or {})

    def _open(self, url: str) -> Any:
        request = urllib.request.Request(url, headers=self.headers)
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410):
                raise FileNotFoundError(errno.ENOENT, f"HTTP {exc.code} {exc.reason}", url) from exc
            raise RemoteIOError(f"GET {url} failed: HTTP {exc.code} {exc.reason}") from exc
        except _NETWORK_ERRORS as exc:
            raise RemoteIOError(f"GET {url} failed: {type(exc).__name__}: {exc}") from exc

    def get(self, filepath: PathLike) -> bytes:
        url = os.fspath(filepath)
        with self._open(url) as response:
            try:
                return response.read()
            except _NETWORK_ERRORS as exc:
                raise RemoteIOError(f"GET {url} failed mid-body: {exc!r}") from exc

    @contextmanager
    def get_local_path(self, filepath: PathLike) -> Generator[str, None, None]:
        """Stream ``filepath`` to a temporary file, removed after the ``with`` block."""
        url = os.fspath(filepath)
        suffix = os.path.splitext(url.split("?", 1)[0])[1]
        fd, tmp = tempfile.mkstemp(suffix=suffix)
        try:
            with open(fd, "wb") as f, self._open(url) as response:
                try:
                    shutil.copyfileobj(response, f)
                except _NETWORK_ERRORS as exc:
                    raise RemoteIOError(f"GET {url} failed mid-body: {exc!r}") from exc
                if response.length:  # read(n) stops quietly at a closed connection
                    raise RemoteIOError(
                        f"GET {url} failed mid-body: the connection closed with "
                        f"{response.length} bytes still to come"
                    )
            yield tmp
        finally:
            os.unlink(tmp)


register_backend("http", HTTPBackend, prefixes=["http", "https"])
