"""Module-level functions: each picks the backend for its path, then calls it.

``backend_args`` is passed to :func:`get_file_backend` (``backend`` names a
backend; the rest are its constructor arguments). Copies pick the backend
from the remote side: the source for ``copyfile``/``*_to_local``, the
destination for ``*_from_local``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import Any

from treadle.fileio.backends.base import PathLike
from treadle.fileio.backends.registry import get_file_backend

BackendArgs = dict[str, Any] | None


def resolve_backend_args(file_client_args: BackendArgs, backend_args: BackendArgs) -> BackendArgs:
    """MMEngine's deprecated ``file_client_args`` stand in for ``backend_args``."""
    if file_client_args is None:
        return backend_args
    if backend_args is not None:
        raise ValueError(
            "pass backend_args only: file_client_args is its deprecated name, and both were given"
        )
    import warnings

    warnings.warn(
        "file_client_args is deprecated (as in MMEngine); pass backend_args instead",
        DeprecationWarning,
        stacklevel=3,
    )
    return file_client_args


def get(filepath: PathLike, backend_args: BackendArgs = None) -> bytes:
    return get_file_backend(filepath, backend_args=backend_args).get(filepath)


def get_text(filepath: PathLike, encoding: str = "utf-8", backend_args: BackendArgs = None) -> str:
    return get_file_backend(filepath, backend_args=backend_args).get_text(filepath, encoding)


def put(obj: bytes, filepath: PathLike, backend_args: BackendArgs = None) -> None:
    get_file_backend(filepath, backend_args=backend_args).put(obj, filepath)


def put_text(
    obj: str, filepath: PathLike, encoding: str = "utf-8", backend_args: BackendArgs = None
) -> None:
    get_file_backend(filepath, backend_args=backend_args).put_text(obj, filepath, encoding)


def exists(filepath: PathLike, backend_args: BackendArgs = None) -> bool:
    return get_file_backend(filepath, backend_args=backend_args).exists(filepath)


def isdir(filepath: PathLike, backend_args: BackendArgs = None) -> bool:
    return get_file_backend(filepath, backend_args=backend_args).isdir(filepath)


def isfile(filepath: PathLike, backend_args: BackendArgs = None) -> bool:
    return get_file_backend(filepath, backend_args=backend_args).isfile(filepath)


def join_path(filepath: PathLike, *filepaths: PathLike, backend_args: BackendArgs = None) -> str:
    return get_file_backend(filepath, backend_args=backend_args).join_path(filepath, *filepaths)


@contextmanager
def get_local_path(
    filepath: PathLike, backend_args: BackendArgs = None
) -> Generator[str, None, None]:
    """A local path to ``filepath`` for the ``with`` block (a temp copy if remote)."""
    with get_file_backend(filepath, backend_args=backend_args).get_local_path(filepath) as path:
        yield path


def copyfile(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> str:
    return get_file_backend(src, backend_args=backend_args).copyfile(src, dst)


def copytree(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> str:
    return get_file_backend(src, backend_args=backend_args).copytree(src, dst)


def copyfile_from_local(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> str:
    return get_file_backend(dst, backend_args=backend_args).copyfile_from_local(src, dst)


def copytree_from_local(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> str:
    return get_file_backend(dst, backend_args=backend_args).copytree_from_local(src, dst)


def copyfile_to_local(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> str:
    return get_file_backend(src, backend_args=backend_args).copyfile_to_local(src, dst)


def copytree_to_local(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> str:
    return get_file_backend(src, backend_args=backend_args).copytree_to_local(src, dst)


def remove(filepath: PathLike, backend_args: BackendArgs = None) -> None:
    get_file_backend(filepath, backend_args=backend_args).remove(filepath)


def rmtree(dir_path: PathLike, backend_args: BackendArgs = None) -> None:
    get_file_backend(dir_path, backend_args=backend_args).rmtree(dir_path)


def copy_if_symlink_fails(src: PathLike, dst: PathLike, backend_args: BackendArgs = None) -> bool:
    return get_file_backend(src, backend_args=backend_args).copy_if_symlink_fails(src, dst)


def list_dir_or_file(
    dir_path: PathLike,
    list_dir: bool = True,
    list_file: bool = True,
    suffix: str | tuple[str, ...] | None = None,
    recursive: bool = False,
    backend_args: BackendArgs = None,
) -> Iterator[str]:
    backend = get_file_backend(dir_path, backend_args=backend_args)
    return backend.list_dir_or_file(dir_path, list_dir, list_file, suffix, recursive)


def generate_presigned_url(
    url: str,
    client_method: str = "get_object",
    expires_in: int = 3600,
    backend_args: BackendArgs = None,
) -> str:
    """A time-limited URL to ``url`` for backends that can sign one (S3)."""
    backend = get_file_backend(url, backend_args=backend_args)
    sign = getattr(backend, "generate_presigned_url", None)
    if sign is None:
        backend._unsupported("generate_presigned_url")
    return sign(url, client_method, expires_in)
