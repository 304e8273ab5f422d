"""A stopwatch (``Timer``) and one-line check points (``check_time``)."""

from __future__ import annotations

from time import perf_counter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class TimerError(Exception):
    """A reading was asked of a timer that is not running."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class Timer:
    """Measure elapsed seconds since the start and since the last reading.

    As a context manager it starts on entry and prints the block's duration with
    ``print_tmpl`` (default ``'{:.3f}'``) on exit.
    """

    def __init__(self, start: bool = True, print_tmpl: str | None = None) -> None:
        self._is_running = False
        self.print_tmpl = print_tmpl or "{:.3f}"
        if start:
            self.start()

    @property
    def is_running(self) -> bool:
        """Whether the timer has been started (and not stopped by leaving a ``with`` block)."""
        return self._is_running

    def __enter__(self) -> Timer:
        self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        print(self.print_tmpl.format(self.since_last_check()))
        self._is_running = False

    def start(self) -> None:
        """Start the timer if it is not running; reset the last-reading mark either way."""
        now = perf_counter()
        if not self._is_running:
            self._t_start = now
            self._is_running = True
        self._t_last = now

    def since_start(self) -> float:
        """Seconds since the timer started; counts as a reading for :meth:`since_last_check`."""
        if not self._is_running:
            raise TimerError("timer is not running; call start() first")
        self._t_last = perf_counter()
        return self._t_last - self._t_start

    def since_last_check(self) -> float:
        """Seconds since the previous reading (or the start)."""
        if not self._is_running:
            raise TimerError("timer is not running; call start() first")
        now = perf_counter()
        elapsed = now - self._t_last
        self._t_last = now
        return elapsed


_timers: dict[Any, Timer] = {}


def check_time(timer_id: Any) -> float:
    """Seconds since the previous call with the same ``timer_id``; the first call starts
    that timer and returns 0."""
    timer = _timers.get(timer_id)
    if timer is None:
        _timers[timer_id] = Timer()
        return 0
    return timer.since_last_check()
