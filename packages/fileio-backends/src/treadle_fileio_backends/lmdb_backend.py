"""``LmdbBackend``: read-only key/value reads from an LMDB database (extra ``[lmdb]``)."""

from __future__ import annotations

import errno
import os
from typing import Any

from treadle.fileio import BaseStorageBackend, register_backend
from treadle.fileio.backends.base import PathLike
from treadle_fileio_backends._extras import require

# LMDB allows one open environment per database file and process: instances in
# one process share it; a forked child closes the one it inherited and reopens.
_environments: dict[str, tuple[int, Any]] = {}


class LmdbBackend(BaseStorageBackend):
    """``get(key)`` returns the value stored under ``key`` (a str, UTF-8 encoded).

    The environment is opened on first use in each process, so data-loader
    workers forked (or spawned) after construction open their own handle.
    """

    def __init__(
        self,
        db_path: PathLike,
        readonly: bool = True,
        lock: bool = False,
        readahead: bool = False,
        **kwargs: Any,
    ) -> None:
        require("lmdb", "lmdb", "LmdbBackend")
        self.db_path = os.fspath(db_path)
        self.open_args = dict(readonly=readonly, lock=lock, readahead=readahead, **kwargs)
        self._env: Any = None
        self._pid: int | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_env": None, "_pid": None}

    def _environment(self) -> Any:
        pid = os.getpid()
        if self._env is not None and self._pid == pid:
            return self._env
        lmdb = require("lmdb", "lmdb", "LmdbBackend")
        key = os.path.realpath(self.db_path)
        owner, env = _environments.get(key, (None, None))
        if env is not None and owner != pid:
            env.close()  # inherited through fork; LMDB handles must not cross processes
            env = None
        if env is None:
            if not os.path.exists(self.db_path):
                raise FileNotFoundError(errno.ENOENT, "no LMDB database", self.db_path)
            env = lmdb.open(self.db_path, **self.open_args)  # the first instance's args win
            _environments[key] = (pid, env)
        self._env, self._pid = env, pid
        return env

    def get(self, filepath: PathLike) -> bytes:
        key = os.fspath(filepath)
        with self._environment().begin(write=False) as txn:
            value = txn.get(key.encode("utf-8"))
        if value is None:
            raise FileNotFoundError(
                errno.ENOENT, f"no key {key!r} in LMDB database {self.db_path}", key
            )
        return bytes(value)

    def exists(self, filepath: PathLike) -> bool:
        with self._environment().begin(write=False) as txn:
            return txn.get(os.fspath(filepath).encode("utf-8")) is not None

    isfile = exists


register_backend("lmdb", LmdbBackend)
