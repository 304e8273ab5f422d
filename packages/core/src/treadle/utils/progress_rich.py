"""``track_progress_rich``: run tasks (serially or in a process pool) under a rich progress bar."""

from __future__ import annotations

from collections.abc import Iterable, Sized

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any


class _Call:
    """Picklable worker: ``(args, index) -> (func(*args), index)``; a task that is not a
    tuple or list is the function's only argument."""

    def __init__(self, func: Callable) -> None:
        self.func = func

    def __call__(self, indexed: tuple[Any, int]) -> tuple[Any, int]:
        args, index = indexed
        if not isinstance(args, (tuple, list)):
            args = (args,)
        return self.func(*args), index


def track_progress_rich(
    func: Callable,
    tasks: Iterable = (),
    task_num: int | None = None,
    nproc: int = 1,
    chunksize: int = 1,
    description: str = "Processing",
    color: str = "blue",
) -> list:
    """Call ``func`` on each task and return the results in task order, showing progress.

    A task that is a tuple or list is unpacked into arguments; anything else is
    the single argument. With no tasks, ``func()`` is called ``task_num`` times.
    ``task_num`` also gives the total for an iterator without a length.
    ``nproc > 1`` runs the calls in a process pool (``func`` must be picklable);
    the time estimate then waits for the first ``nproc * chunksize`` results.
    ``color`` is the rich style of the bar (``'blue'``, ``'#ff8800'``).
    """
    if not callable(func):
        raise TypeError(f"func must be a callable object, got {func!r}")
    if not isinstance(tasks, Iterable):
        raise TypeError(f"tasks must be iterable, got {type(tasks).__name__}")
    if isinstance(tasks, Sized):
        if len(tasks) == 0:
            if task_num is None:
                raise ValueError("tasks is empty: set task_num to call func() that many times")
            tasks = [()] * task_num
        elif task_num is not None and task_num != len(tasks):
            raise ValueError(f"task_num={task_num} does not match the {len(tasks)} tasks given")
        else:
            task_num = len(tasks)
    if not isinstance(nproc, int) or nproc <= 0:
        raise ValueError(f"nproc must be a positive number of processes, got {nproc!r}")

    from rich.errors import StyleSyntaxError
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
    )
    from rich.style import Style

    try:
        Style.parse(color)
    except StyleSyntaxError as exc:
        raise ValueError(f"color {color!r} is not a rich colour/style: {exc}") from None

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(complete_style=color, finished_style=color),
        _remaining_column(skip=nproc * chunksize if nproc > 1 else 0),
        MofNCompleteColumn(),
        TaskProgressColumn(show_speed=True),
    )
    call = _Call(func)
    indexed: Iterator[tuple[Any, int]] = ((task, i) for i, task in enumerate(tasks))
    with progress:
        bar = progress.add_task(description, total=task_num)
        if nproc == 1:
            results = []
            for item in indexed:
                results.append(call(item)[0])
                progress.update(bar, advance=1, refresh=True)
            return results
        from multiprocessing import Pool

        by_index: dict[int, Any] = {}
        with Pool(nproc) as pool:
            for result, index in pool.imap_unordered(call, indexed, chunksize):
                by_index[index] = result
                progress.update(bar, advance=1, refresh=True)
        return [by_index[i] for i in range(len(by_index))]


def _remaining_column(skip: int) -> Any:
    """rich's time-remaining column, showing a placeholder for the first ``skip`` tasks
    (pool start-up would make the early estimate wrong)."""
    from rich.progress import TimeRemainingColumn
    from rich.text import Text

    class SkipFirstRemaining(TimeRemainingColumn):
        def render(self, task: Any) -> Text:
            if task.completed <= skip:
                return Text("-:--:--", style="progress.remaining")
            return super().render(task)

    return SkipFirstRemaining()
