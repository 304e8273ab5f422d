"""Write-behind: flush a file to disk while it is still being written.

An atomic save must fsync before its rename, and fsync of a large checkpoint written
to the page cache waits for the whole file to reach the disk. A thread that keeps
flushing what is written so far lets the disk work while ``torch.save`` serialises,
so the final fsync waits only for the tail.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

_datasync = getattr(os, "fdatasync", os.fsync)  # fdatasync skips metadata; not on macOS


@contextlib.contextmanager
def write_behind(path: str, interval: float = 0.002) -> Iterator[None]:
    """Flush ``path`` (which must exist) to disk every ``interval`` s during the block."""
    fd = os.open(path, os.O_RDWR)
    stop = threading.Event()

    def flush() -> None:
        while not stop.wait(interval):
            try:
                _datasync(fd)
            except OSError:  # the writer's own fsync reports the failure
                return

    thread = threading.Thread(target=flush, name="treadle-checkpoint-write-behind", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        os.close(fd)
