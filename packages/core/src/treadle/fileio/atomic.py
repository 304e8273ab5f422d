"""Atomic local writes: a crash mid-write leaves the previous file intact.

The bytes go to a temporary file in the destination's directory, are flushed
and fsynced, and the temporary file replaces the destination with ``os.replace``
(atomic on POSIX and Windows when both live on one filesystem).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from typing import BinaryIO


@functools.cache
def _umask() -> int:
    # os.umask can only be read by setting it; do it once per process
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(data: bytes | bytearray | memoryview, path: str) -> None:
    """Write ``data`` to ``path`` atomically, creating parent directories."""
    with atomic_writer(path) as f:
        f.write(data)


@contextlib.contextmanager
def atomic_writer(path: str) -> Iterator[BinaryIO]:
    """A binary file for the ``with`` block that replaces ``path`` when the block succeeds.

    For writers that stream: no copy of the whole payload in memory.
    """
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        yield f


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """A temporary path for the ``with`` block to write; it then replaces ``path``.

    For writers that want a file name (``torch.save`` writes faster to a path than
    to a Python file object). When the block succeeds the temporary file is fsynced
    and renamed over ``path``; if it raises, ``path`` is untouched and the temporary
    file removed.
    """
    import tempfile  # imports random and hashlib: only pay for it when writing

    if os.path.islink(path):  # write through the link, as open(path, "wb") would
        path = os.path.realpath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    os.close(fd)
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDWR)  # a writable descriptor: Windows needs one to fsync
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)  # mkstemp creates 0600; give what open() would have
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
