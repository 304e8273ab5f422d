"""``TimeCounter``: log the mean running time of a function or a block, on rank 0."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, ClassVar, TypeVar

import torch

F = TypeVar("F", bound=Callable[..., Any])


def _is_main_process() -> bool:
    from treadle.dist import is_main_process

    return is_main_process()


def _positive_int(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"TimeCounter: {name} must be an int >= 1, got {value!r}")
    return value


class TimeCounter:
    """Time each call of a decorated function (or each ``with`` block) and log the mean.

    The first ``warmup_interval - 1`` runs are left out of the mean; every
    ``log_interval`` runs the mean so far is logged through ``print_log`` (printed when
    ``logger`` is None). ``with_sync`` waits for pending CUDA work before reading the
    clock. Counters sharing a ``tag`` are one object, so timings of one tag accumulate
    wherever it is used. Only the main process times; other ranks run the code untimed.
    """

    instance_dict: ClassVar[dict[str, TimeCounter]] = {}

    def __new__(
        cls,
        log_interval: int = 1,
        warmup_interval: int = 1,
        with_sync: bool = True,
        tag: str | None = None,
        logger: logging.Logger | str | None = None,
    ) -> TimeCounter:
        if tag is not None and tag in cls.instance_dict:
            return cls.instance_dict[tag]
        counter = super().__new__(cls)
        if tag is not None:
            cls.instance_dict[tag] = counter
        return counter

    def __init__(
        self,
        log_interval: int = 1,
        warmup_interval: int = 1,
        with_sync: bool = True,
        tag: str | None = None,
        logger: logging.Logger | str | None = None,
    ) -> None:
        if hasattr(self, "tag"):  # a shared counter returned by __new__ keeps its state
            return
        self.log_interval = _positive_int("log_interval", log_interval)
        self.warmup_interval = _positive_int("warmup_interval", warmup_interval)
        self.with_sync = with_sync
        self.tag = tag
        self.logger = logger
        self._count = 0
        self._total = 0.0
        self._started = 0.0

    def __call__(self, fn: F) -> F:
        if self.tag is None:
            self.tag = fn.__name__
        if not _is_main_process():
            return fn

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._start()
            result = fn(*args, **kwargs)
            self._stop()
            return result

        return timed  # type: ignore[return-value]

    def __enter__(self) -> TimeCounter:
        if self.tag is None:
            raise ValueError(
                "TimeCounter used as a context manager needs a tag to name its timings, "
                "e.g. `with TimeCounter(tag='decode'):`"
            )
        if _is_main_process():
            self._start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if _is_main_process():
            self._stop()

    def _sync(self) -> None:
        if self.with_sync and torch.cuda.is_available():
            torch.cuda.synchronize()

    def _start(self) -> None:
        self._count += 1
        self._sync()
        self._started = time.perf_counter()

    def _stop(self) -> None:
        self._sync()
        self.print_time(time.perf_counter() - self._started)

    def print_time(self, elapsed: float) -> None:
        """Count ``elapsed`` seconds of the latest run and log the mean when it is due."""
        from treadle.logging import print_log

        if self._count < self.warmup_interval:
            return
        self._total += elapsed
        if self._count % self.log_interval == 0:
            runs = self._count - self.warmup_interval + 1
            print_log(
                f"[{self.tag}] mean time per run over {runs} runs: "
                f"{1000 * self._total / runs:.1f} ms",
                self.logger,
            )
