"""``LocalBackend``: the local filesystem, with atomic writes."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from contextlib import contextmanager

from treadle.fileio.atomic import atomic_write_bytes
from treadle.fileio.backends.base import BaseStorageBackend, PathLike, check_list_args


class LocalBackend(BaseStorageBackend):
    """Files on local disk. ``put``/``put_text`` replace the target atomically."""

    _allow_symlink = True

    def get(self, filepath: PathLike) -> bytes:
        with open(filepath, "rb") as f:
            return f.read()

    def get_text(self, filepath: PathLike, encoding: str = "utf-8") -> str:
        with open(filepath, encoding=encoding) as f:
            return f.read()

    def put(self, obj: bytes, filepath: PathLike) -> None:
        atomic_write_bytes(obj, os.fspath(filepath))

    def put_text(self, obj: str, filepath: PathLike, encoding: str = "utf-8") -> None:
        atomic_write_bytes(obj.encode(encoding), os.fspath(filepath))

    def exists(self, filepath: PathLike) -> bool:
        return os.path.exists(filepath)

    def isdir(self, filepath: PathLike) -> bool:
        return os.path.isdir(filepath)

    def isfile(self, filepath: PathLike) -> bool:
        return os.path.isfile(filepath)

    def join_path(self, filepath: PathLike, *filepaths: PathLike) -> str:
        return os.path.join(filepath, *filepaths)

    @contextmanager
    def get_local_path(self, filepath: PathLike) -> Generator[str, None, None]:
        yield os.fspath(filepath)

    def copyfile(self, src: PathLike, dst: PathLike) -> str:
        """Copy ``src`` to ``dst`` (into it if a directory); return the written path."""
        import shutil

        return shutil.copy(src, dst)

    def copytree(self, src: PathLike, dst: PathLike) -> str:
        """Copy the tree ``src`` to ``dst``, which must not exist yet."""
        import shutil

        return shutil.copytree(src, dst)

    copyfile_from_local = copyfile
    copyfile_to_local = copyfile
    copytree_from_local = copytree
    copytree_to_local = copytree

    def remove(self, filepath: PathLike) -> None:
        if os.path.isdir(filepath):
            raise IsADirectoryError(f"{filepath} is a directory: use rmtree() to remove it")
        os.remove(filepath)

    def rmtree(self, dir_path: PathLike) -> None:
        import shutil

        shutil.rmtree(dir_path)

    def copy_if_symlink_fails(self, src: PathLike, dst: PathLike) -> bool:
        try:
            os.symlink(src, dst)
            return True
        except (OSError, NotImplementedError):
            return super().copy_if_symlink_fails(src, dst)

    def list_dir_or_file(
        self,
        dir_path: PathLike,
        list_dir: bool = True,
        list_file: bool = True,
        suffix: str | tuple[str, ...] | None = None,
        recursive: bool = False,
    ) -> Iterator[str]:
        check_list_args(list_dir, suffix)
        root = os.fspath(dir_path)
        if not os.path.isdir(root):
            raise NotADirectoryError(f"{root} is not a directory")
        yield from _scan(root, root, list_dir, list_file, suffix, recursive)


def _scan(
    path: str,
    root: str,
    list_dir: bool,
    list_file: bool,
    suffix: str | tuple[str, ...] | None,
    recursive: bool,
) -> Iterator[str]:
    with os.scandir(path) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        if entry.name.startswith("."):
            continue  # hidden files and our own atomic-write temporaries
        rel = os.path.relpath(entry.path, root)
        if entry.is_dir():
            if list_dir:
                yield rel
            if recursive:
                yield from _scan(entry.path, root, list_dir, list_file, suffix, recursive)
        elif list_file and (suffix is None or rel.endswith(suffix)):
            yield rel
