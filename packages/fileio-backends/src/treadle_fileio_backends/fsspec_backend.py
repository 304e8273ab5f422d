"""``FsspecBackend``: ``s3://``, ``gs://``, ``memory://`` and any installed fsspec protocol.

``backend_args`` (less ``backend``) are fsspec storage options, passed to the
filesystem of each URI's protocol: for S3 ``key``, ``secret``, ``endpoint_url``,
``client_kwargs`` ... as s3fs takes them.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Generator, Iterator
from typing import Any

import fsspec

from treadle.fileio import (
    BaseStorageBackend,
    MissingDependencyError,
    RemoteIOError,
    parse_uri_prefix,
    register_backend,
    registered_prefixes,
)
from treadle.fileio.backends.base import PathLike, check_list_args
from treadle_fileio_backends._extras import DIST

# protocol -> extra of this distribution that installs its implementation
EXTRAS = {"s3": "s3", "s3a": "s3"}
# served by treadle-core (local paths) or by HTTPBackend
NOT_SERVED = {"file", "local", "http", "https"}
# errors that are the caller's, not the network's: let them through untouched
_PASS_THROUGH = (TypeError, ValueError, NotImplementedError, ImportError, PermissionError)
_PATH_ERRORS = (FileExistsError, IsADirectoryError, NotADirectoryError)


@contextlib.contextmanager
def _translate(action: str, uri: str) -> Generator[None, None, None]:
    """Re-raise storage errors naming ``uri``, the original chained."""
    try:
        yield
    except FileNotFoundError as exc:
        raise FileNotFoundError(errno.ENOENT, "No such file or object", uri) from exc
    except (*_PASS_THROUGH, *_PATH_ERRORS):
        raise
    except Exception as exc:
        raise RemoteIOError(f"{action} {uri} failed: {type(exc).__name__}: {exc}") from exc


class FsspecBackend(BaseStorageBackend):
    """Object stores and other filesystems through fsspec, chosen by each URI's protocol."""

    def __init__(self, **storage_options: Any) -> None:
        self.storage_options = storage_options
        self._filesystems: dict[tuple[int, str], Any] = {}

    def __getstate__(self) -> dict[str, Any]:
        # filesystems hold sockets and event loops: rebuild them in the new process
        return {"storage_options": self.storage_options, "_filesystems": {}}

    def _fs(self, uri: str) -> tuple[Any, str]:
        protocol = parse_uri_prefix(uri)
        key = (os.getpid(), protocol)  # a forked worker builds its own clients
        fs = self._filesystems.get(key)
        if fs is None:
            try:
                fs = fsspec.filesystem(protocol, **self.storage_options)
            except ImportError as exc:
                extra = EXTRAS.get(protocol)
                how = (
                    f"pip install '{DIST}[{extra}]'"
                    if extra
                    else f"install the fsspec implementation of {protocol!r} ({exc})"
                )
                raise MissingDependencyError(
                    f"{protocol}:// (for {uri!r}) needs a package that is not installed: {how}"
                ) from exc
            self._filesystems[key] = fs
        return fs, fs._strip_protocol(uri)

    def get(self, filepath: PathLike) -> bytes:
        uri = os.fspath(filepath)
        fs, path = self._fs(uri)
        with _translate("get", uri):
            return fs.cat_file(path)

    def put(self, obj: bytes, filepath: PathLike) -> None:
        uri = os.fspath(filepath)
        fs, path = self._fs(uri)
        with _translate("put", uri):
            fs.pipe_file(path, obj)

    def exists(self, filepath: PathLike) -> bool:
        uri = os.fspath(filepath)
        fs, path = self._fs(uri)
        with _translate("exists", uri):
            return fs.exists(path)

    def isdir(self, filepath: PathLike) -> bool:
        uri = os.fspath(filepath)
        fs, path = self._fs(uri)
        with _translate("isdir", uri):
            return fs.isdir(path)

    def isfile(self, filepath: PathLike) -> bool:
        uri = os.fspath(filepath)
        fs, path = self._fs(uri)
        with _translate("isfile", uri):
            return fs.isfile(path)

    @contextlib.contextmanager
    def get_local_path(self, filepath: PathLike) -> Generator[str, None, None]:
        """Download ``filepath`` to a temporary file, removed after the ``with`` block."""
        uri = os.fspath(filepath)
        fd, tmp = tempfile.mkstemp(suffix=os.path.splitext(uri)[1])
        os.close(fd)
        try:
            self._download(uri, tmp)
            yield tmp
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def _download(self, uri: str, local: str) -> None:
        fs, path = self._fs(uri)
        with _translate("download", uri):
            fs.get_file(path, local)

    def _into_dir(self, dst: str, src: PathLike) -> str:
        if dst.endswith("/") or self.isdir(dst):
            return self.join_path(dst, os.path.basename(os.fspath(src).rstrip("/")))
        return dst

    def copyfile(self, src: PathLike, dst: PathLike) -> str:
        src, dst = os.fspath(src), self._into_dir(os.fspath(dst), src)
        fs, src_path = self._fs(src)
        dst_fs, dst_path = self._fs(dst)
        if dst_fs is not fs:  # another protocol: through this process
            self.put(self.get(src), dst)
            return dst
        with _translate("copy", src):
            fs.copy(src_path, dst_path)
        return dst

    def copytree(self, src: PathLike, dst: PathLike) -> str:
        src, dst = os.fspath(src), os.fspath(dst)
        if self.exists(dst):
            raise FileExistsError(errno.EEXIST, "destination of copytree exists", dst)
        for rel in self.list_dir_or_file(src, list_dir=False, recursive=True):
            self.copyfile(self.join_path(src, rel), self.join_path(dst, rel))
        return dst

    def copyfile_from_local(self, src: PathLike, dst: PathLike) -> str:
        dst = self._into_dir(os.fspath(dst), src)
        fs, path = self._fs(dst)
        with _translate("upload", dst):
            fs.put_file(os.fspath(src), path)
        return dst

    def copyfile_to_local(self, src: PathLike, dst: PathLike) -> str:
        """Download ``src`` to ``dst`` through a temp file: nothing is left there on failure."""
        src, dst = os.fspath(src), os.fspath(dst)
        if os.path.isdir(dst):
            dst = os.path.join(dst, os.path.basename(src.rstrip("/")))
        directory = os.path.dirname(os.path.abspath(dst))
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(dst)}.")
        os.close(fd)
        try:
            self._download(src, tmp)
            os.replace(tmp, dst)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return dst

    def copytree_to_local(self, src: PathLike, dst: PathLike) -> str:
        src, dst = os.fspath(src), os.fspath(dst)
        for rel in self.list_dir_or_file(src, list_dir=False, recursive=True):
            self.copyfile_to_local(self.join_path(src, rel), os.path.join(dst, rel))
        return dst

    def copytree_from_local(self, src: PathLike, dst: PathLike) -> str:
        src, dst = os.fspath(src), os.fspath(dst)
        for root, _, files in os.walk(src):
            for name in files:
                local = os.path.join(root, name)
                rel = os.path.relpath(local, src).replace(os.sep, "/")
                self.copyfile_from_local(local, self.join_path(dst, rel))
        return dst

    def remove(self, filepath: PathLike) -> None:
        uri = os.fspath(filepath)
        fs, path = self._fs(uri)
        with _translate("remove", uri):
            if not fs.isfile(path):
                if fs.isdir(path):
                    raise IsADirectoryError(errno.EISDIR, "use rmtree() for a directory", uri)
                raise FileNotFoundError(uri)
            fs.rm_file(path)

    def rmtree(self, dir_path: PathLike) -> None:
        uri = os.fspath(dir_path)
        fs, path = self._fs(uri)
        with _translate("rmtree", uri):
            if not fs.isdir(path):
                raise FileNotFoundError(uri)
            fs.rm(path, recursive=True)

    def list_dir_or_file(
        self,
        dir_path: PathLike,
        list_dir: bool = True,
        list_file: bool = True,
        suffix: str | tuple[str, ...] | None = None,
        recursive: bool = False,
    ) -> Iterator[str]:
        check_list_args(list_dir, suffix)
        uri = os.fspath(dir_path)
        fs, root = self._fs(uri)
        root = root.rstrip("/")
        with _translate("list", uri):
            if not fs.isdir(root):
                raise NotADirectoryError(errno.ENOTDIR, "not a directory", uri)
            found = fs.find(root, maxdepth=None if recursive else 1, withdirs=True, detail=True)
        for path in sorted(found):
            rel = path.rstrip("/")[len(root) :].lstrip("/")
            if not rel:
                continue
            if found[path]["type"] == "directory":
                if list_dir:
                    yield rel
            elif list_file and (suffix is None or rel.endswith(suffix)):
                yield rel

    def generate_presigned_url(
        self, url: str, client_method: str = "get_object", expires_in: int = 3600
    ) -> str:
        """A URL granting ``client_method`` on ``url`` for ``expires_in`` seconds (S3)."""
        fs, path = self._fs(url)
        with _translate("sign", url):
            return fs.sign(path, expiration=expires_in, client_method=client_method)


register_backend(
    "fsspec",
    FsspecBackend,
    prefixes=sorted(set(fsspec.available_protocols()) - NOT_SERVED - set(registered_prefixes())),
)
