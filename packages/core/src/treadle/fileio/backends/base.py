"""The storage backend contract every backend implements.

Only ``get`` is required. The other methods either have a default built on
``get``/``put`` (text, downloads to local files, copies to or from local files)
or raise ``NotImplementedError`` naming the backend, so a read-only backend
such as HTTP states what it cannot do instead of failing obscurely.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import NoReturn

from treadle.fileio.atomic import atomic_write_bytes

PathLike = str | os.PathLike[str]


class BaseStorageBackend(ABC):
    """A place files live: local disk, an object store, a key/value database."""

    # whether ``copy_if_symlink_fails`` may try a symlink at all
    _allow_symlink = False

    @property
    def name(self) -> str:
        return type(self).__name__

    def _unsupported(self, method: str) -> NoReturn:
        raise NotImplementedError(
            f"{self.name} does not support {method}(); pick a backend that does "
            f"(see treadle.fileio.register_backend)"
        )

    @abstractmethod
    def get(self, filepath: PathLike) -> bytes:
        """The bytes stored at ``filepath``; ``FileNotFoundError`` naming it if absent."""

    def get_text(self, filepath: PathLike, encoding: str = "utf-8") -> str:
        """The text stored at ``filepath``, decoded with ``encoding``."""
        return self.get(filepath).decode(encoding)

    def put(self, obj: bytes, filepath: PathLike) -> None:
        """Store ``obj`` at ``filepath``, replacing what was there."""
        self._unsupported("put")

    def put_text(self, obj: str, filepath: PathLike, encoding: str = "utf-8") -> None:
        """Store the text ``obj`` at ``filepath``, encoded with ``encoding``."""
        self.put(obj.encode(encoding), filepath)

    def exists(self, filepath: PathLike) -> bool:
        self._unsupported("exists")

    def isdir(self, filepath: PathLike) -> bool:
        self._unsupported("isdir")

    def isfile(self, filepath: PathLike) -> bool:
        self._unsupported("isfile")

    def join_path(self, filepath: PathLike, *filepaths: PathLike) -> str:
        """Join URI parts with ``/`` (local paths use ``os.path.join``)."""
        parts = [str(filepath).rstrip("/")]
        parts += [str(p).strip("/") for p in filepaths]
        return "/".join(parts)

    @contextmanager
    def get_local_path(self, filepath: PathLike) -> Generator[str, None, None]:
        """A local copy of ``filepath`` for the ``with`` block, deleted afterwards."""
        import tempfile

        suffix = os.path.splitext(str(filepath))[1]
        fd, tmp = tempfile.mkstemp(suffix=suffix)
        try:
            with open(fd, "wb") as f:
                f.write(self.get(filepath))
            yield tmp
        finally:
            os.unlink(tmp)

    def copyfile(self, src: PathLike, dst: PathLike) -> str:
        self._unsupported("copyfile")

    def copytree(self, src: PathLike, dst: PathLike) -> str:
        self._unsupported("copytree")

    def copyfile_from_local(self, src: PathLike, dst: PathLike) -> str:
        """Upload the local file ``src`` to ``dst`` (into it if ``dst`` is a directory)."""
        dst = str(dst)
        if dst.endswith("/") or self._maybe_dir(dst):
            dst = self.join_path(dst, os.path.basename(src))
        self.put(_read(src), dst)
        return dst

    def _maybe_dir(self, path: str) -> bool:
        try:
            return self.isdir(path)
        except NotImplementedError:  # key/value stores have no directories
            return False

    def copyfile_to_local(self, src: PathLike, dst: PathLike) -> str:
        """Download ``src`` to the local path ``dst``; nothing is left there on failure."""
        dst = str(dst)
        if os.path.isdir(dst):
            dst = os.path.join(dst, os.path.basename(str(src).rstrip("/")))
        atomic_write_bytes(self.get(src), dst)
        return dst

    def copytree_from_local(self, src: PathLike, dst: PathLike) -> str:
        """Upload every file under the local directory ``src`` to ``dst``."""
        dst = str(dst)
        for root, _, files in os.walk(src):
            for name in files:
                local = os.path.join(root, name)
                rel = os.path.relpath(local, src).replace(os.sep, "/")
                self.put(_read(local), self.join_path(dst, rel))
        return dst

    def copytree_to_local(self, src: PathLike, dst: PathLike) -> str:
        """Download every file under ``src`` into the local directory ``dst``."""
        dst = str(dst)
        for rel in self.list_dir_or_file(src, list_dir=False, recursive=True):
            atomic_write_bytes(self.get(self.join_path(src, rel)), os.path.join(dst, rel))
        return dst

    def remove(self, filepath: PathLike) -> None:
        self._unsupported("remove")

    def rmtree(self, dir_path: PathLike) -> None:
        self._unsupported("rmtree")

    def copy_if_symlink_fails(self, src: PathLike, dst: PathLike) -> bool:
        """Link ``dst`` to ``src`` where the backend can, else copy; True if linked."""
        if self.isfile(src):
            self.copyfile(src, dst)
        else:
            self.copytree(src, dst)
        return False

    def list_dir_or_file(
        self,
        dir_path: PathLike,
        list_dir: bool = True,
        list_file: bool = True,
        suffix: str | tuple[str, ...] | None = None,
        recursive: bool = False,
    ) -> Iterator[str]:
        """Paths relative to ``dir_path`` of its directories and/or files."""
        self._unsupported("list_dir_or_file")


def check_list_args(list_dir: bool, suffix: str | tuple[str, ...] | None) -> None:
    """The argument rules ``list_dir_or_file`` shares across backends."""
    if list_dir and suffix is not None:
        raise TypeError("`suffix` only filters files: pass list_dir=False with it")
    if suffix is not None and not isinstance(suffix, str | tuple):
        raise TypeError(f"`suffix` must be a str or a tuple of str, got {type(suffix).__name__}")


def _read(path: PathLike) -> bytes:
    with open(path, "rb") as f:
        return f.read()
