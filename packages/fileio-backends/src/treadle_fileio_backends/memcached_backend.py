"""``MemcachedBackend``: values in memcached servers through pymemcache (extra ``[memcached]``)."""

from __future__ import annotations

import errno
import os
from typing import Any

from treadle.fileio import BaseStorageBackend, RemoteIOError, register_backend
from treadle.fileio.backends.base import PathLike
from treadle_fileio_backends._extras import require


class MemcachedBackend(BaseStorageBackend):
    """Keys are file paths; ``servers`` is ``'host:port'`` or a list of them (hashed).

    ``client_cfg`` goes to pymemcache's client (timeouts ...). The client is built
    on first use in each process, so forked data-loader workers get their own.
    """

    def __init__(self, servers: str | list[str], client_cfg: dict[str, Any] | None = None) -> None:
        require("pymemcache", "memcached", "MemcachedBackend")
        self.servers = [servers] if isinstance(servers, str) else list(servers)
        self.client_cfg = dict(client_cfg or {})
        self._client: Any = None
        self._pid: int | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_client": None, "_pid": None}

    def _connection(self) -> Any:
        if self._client is None or self._pid != os.getpid():
            client = require("pymemcache.client.hash", "memcached", "MemcachedBackend")
            self._client = client.HashClient(self.servers, **self.client_cfg)
            self._pid = os.getpid()
        return self._client

    def _call(self, action: str, key: str, *args: Any) -> Any:
        try:
            return getattr(self._connection(), action)(key, *args)
        except (ValueError, TypeError):
            raise
        except Exception as exc:
            errors = require("pymemcache.exceptions", "memcached", "MemcachedBackend")
            if isinstance(exc, errors.MemcacheIllegalInputError):
                raise ValueError(f"invalid memcached key {key!r}: {exc}") from exc
            where = ", ".join(self.servers)
            raise RemoteIOError(
                f"memcached {action} {key!r} on {where} failed: {type(exc).__name__}: {exc}"
            ) from exc

    def get(self, filepath: PathLike) -> bytes:
        key = os.fspath(filepath)
        value = self._call("get", key)
        if value is None:
            where = ", ".join(self.servers)
            raise FileNotFoundError(errno.ENOENT, f"no key in memcached {where}", key)
        return value

    def put(self, obj: bytes, filepath: PathLike) -> None:
        self._call("set", os.fspath(filepath), obj, 0, False)  # noreply=False: see errors

    def exists(self, filepath: PathLike) -> bool:
        return self._call("get", os.fspath(filepath)) is not None

    isfile = exists

    def remove(self, filepath: PathLike) -> None:
        key = os.fspath(filepath)
        if not self._call("delete", key, False):
            raise FileNotFoundError(errno.ENOENT, "no key in memcached", key)


register_backend("memcached", MemcachedBackend)
