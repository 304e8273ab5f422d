"""A plain-text progress bar and loops that drive it (serial, iterator, process pool).

The bar redraws one line with ``\\r``: ``[>>>>    ] 4/10, 2.0 task/s, elapsed: 2s, ETA: 3s``;
without a known total it counts completed tasks instead.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from shutil import get_terminal_size

from treadle.utils.timer import Timer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import IO, Any


class ProgressBar:
    """Draw progress over ``task_num`` tasks (0: unknown total) to ``file`` (default:
    ``sys.stdout`` at construction)."""

    def __init__(
        self, task_num: int = 0, bar_width: int = 50, start: bool = True, file: IO | None = None
    ) -> None:
        self.task_num = task_num
        self.bar_width = bar_width
        self.completed = 0
        self.file = sys.stdout if file is None else file
        if start:
            self.start()

    @property
    def terminal_width(self) -> int:
        return get_terminal_size().columns

    def start(self) -> None:
        """Draw the empty bar and (re)start the clock."""
        if self.task_num > 0:
            self.file.write(f"[{' ' * self.bar_width}] 0/{self.task_num}, elapsed: 0s, ETA:")
        else:
            self.file.write("completed: 0, elapsed: 0s")
        self.file.flush()
        self.timer = Timer()

    def update(self, num_tasks: int = 1) -> None:
        """Count ``num_tasks`` more tasks as done and redraw."""
        if num_tasks <= 0:
            raise ValueError(f"num_tasks must be a positive count, got {num_tasks}")
        self.completed += num_tasks
        elapsed = self.timer.since_start()
        speed = self.completed / elapsed if elapsed > 0 else float("inf")
        if self.task_num > 0:
            fraction = self.completed / self.task_num
            eta = int(elapsed * (1 - fraction) / fraction + 0.5)
            text = (
                f"{self.completed}/{self.task_num}, {speed:.1f} task/s, "
                f"elapsed: {int(elapsed + 0.5)}s, ETA: {eta:5}s"
            )
            # the bar shrinks to fit the terminal, keeping at least 2 cells
            width = self.terminal_width
            bar_width = max(2, min(self.bar_width, width - len(text) - 4, int(width * 0.6)))
            done = min(bar_width, int(bar_width * fraction))
            self.file.write(f"\r[{'>' * done}{' ' * (bar_width - done)}] {text}")
        else:
            self.file.write(
                f"completed: {self.completed}, elapsed: {int(elapsed + 0.5)}s, {speed:.1f} tasks/s"
            )
        self.file.flush()


def _split_tasks(tasks: Any) -> tuple[Iterable, int]:
    """``(tasks, count)`` from a sequence, or from a ``(iterable, count)`` pair."""
    if isinstance(tasks, tuple):
        if not (len(tasks) == 2 and isinstance(tasks[0], Iterable) and isinstance(tasks[1], int)):
            raise TypeError(
                "a tuple of tasks must be (iterable_of_tasks, number_of_tasks), got "
                f"{tasks!r:.200}; pass a list to give the tasks themselves"
            )
        return tasks[0], tasks[1]
    if isinstance(tasks, Sequence):
        return tasks, len(tasks)
    raise TypeError(
        f"tasks must be a (tasks, count) tuple or a sequence, got {type(tasks).__name__}"
    )


def track_progress(
    func: Callable,
    tasks: Sequence | tuple[Iterable, int],
    bar_width: int = 50,
    file: IO | None = None,
    **kwargs: Any,
) -> list:
    """``[func(task, **kwargs) for task in tasks]``, drawing a progress bar as it goes.

    ``tasks`` is a sequence, or ``(iterable, number_of_tasks)`` for an iterable
    without a length.
    """
    items, task_num = _split_tasks(tasks)
    bar = ProgressBar(task_num, bar_width, file=file)
    results = []
    for task in items:
        results.append(func(task, **kwargs))
        bar.update()
    bar.file.write("\n")
    return results


def track_iter_progress(
    tasks: Sequence | tuple[Iterable, int], bar_width: int = 50, file: IO | None = None
) -> Iterator:
    """Yield the tasks one by one, advancing a progress bar after each is handled.

    ``tasks`` as in :func:`track_progress`; it is checked at the call.
    """
    items, task_num = _split_tasks(tasks)

    def iterate() -> Iterator:
        bar = ProgressBar(task_num, bar_width, file=file)
        for task in items:
            yield task
            bar.update()
        bar.file.write("\n")

    return iterate()


def track_parallel_progress(
    func: Callable,
    tasks: Sequence | tuple[Iterable, int],
    nproc: int,
    initializer: Callable | None = None,
    initargs: tuple | None = None,
    bar_width: int = 50,
    chunksize: int = 1,
    skip_first: bool = False,
    keep_order: bool = True,
    file: IO | None = None,
) -> list:
    """Map ``func`` over ``tasks`` in a pool of ``nproc`` processes, with a progress bar.

    ``func`` (and ``initializer``) must be picklable. ``keep_order=False`` collects
    results as they finish. ``skip_first`` leaves each worker's first chunk out
    of the speed estimate (it often pays for start-up).
    """
    from multiprocessing import Pool

    items, task_num = _split_tasks(tasks)
    if not isinstance(nproc, int) or nproc <= 0:
        raise ValueError(f"nproc must be a positive number of processes, got {nproc!r}")
    if initargs is not None and not isinstance(initargs, tuple):
        raise TypeError(f'"initargs" must be a tuple, got {initargs!r}')
    warmup = nproc * chunksize if skip_first else 0
    bar = ProgressBar(task_num - warmup, bar_width, start=not skip_first, file=file)
    results = []
    with Pool(nproc, initializer, initargs or ()) as pool:
        mapper = pool.imap if keep_order else pool.imap_unordered
        for result in mapper(func, items, chunksize):
            results.append(result)
            if len(results) < warmup:
                continue
            if len(results) == warmup:
                bar.start()
                continue
            bar.update()
        pool.close()
        pool.join()
    bar.file.write("\n")
    return results
