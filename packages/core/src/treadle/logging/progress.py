"""``ProgressReporter``: a rich progress bar for val/test loops, on a terminal only.

It draws when stdout is a terminal and this is rank 0; otherwise (a log file,
a pipe, CI, other ranks) it does nothing, and the LoggerHook's plain lines are
the record of progress. Records logged while the bar is shown appear above it.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from treadle.logging._dist import rank_and_world_size


class ProgressReporter:
    """Show ``description`` with a bar advancing to ``total``.

    Use as a context manager, or call ``close()``::

        with ProgressReporter(len(dataloader), "val") as progress:
            for batch in dataloader:
                ...
                progress.update()

    Args:
        total: number of steps (e.g. ``len(dataloader)``).
        description: text left of the bar.
    """

    def __init__(self, total: int, description: str = "") -> None:
        self.total = total
        self.description = description
        self._progress: Any = None
        self._task: Any = None
        isatty = getattr(sys.stdout, "isatty", None)
        if isatty is None or not isatty() or rank_and_world_size()[0] != 0:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(file=sys.stdout),
        )
        self._task = self._progress.add_task(description, total=total)
        self._progress.start()

    @property
    def active(self) -> bool:
        """True while a bar is drawn (a terminal, rank 0, not closed)."""
        return self._progress is not None

    def update(self, n: int = 1) -> None:
        """Advance by ``n`` steps."""
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def close(self) -> None:
        """Draw the final state and stop (idempotent)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __enter__(self) -> ProgressReporter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
