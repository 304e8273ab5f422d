"""``HistoryBuffer``: the history of one logged scalar and statistics over windows of it.

Values live in ``array('d')`` storage, so an update is an O(1) append (MMEngine
copies a numpy array on every update) and numpy is only imported when ``data`` is
read. When the history grows past ``max_length`` the oldest values are dropped.
"""

from __future__ import annotations

import numbers
import warnings
from array import array
from collections.abc import Callable, Sequence
from typing import Any, ClassVar


def _all_ints(values: Sequence[Any]) -> bool:
    return bool(values) and all(isinstance(v, numbers.Integral) for v in values)


class HistoryBuffer:
    """Logged values and their counts, with ``mean``/``current``/``min``/``max`` over windows.

    ``mean`` is ``sum(values) / sum(counts)`` over the window, so a value logged as a
    sum over ``count`` samples averages per sample. A window of ``n`` means the last
    ``n`` updates; ``None`` means the whole (kept) history.

    Args:
        log_history: initial values.
        count_history: their counts (same length).
        max_length: how many of the newest updates to keep.
    """

    _statistics_methods: ClassVar[dict[str, Callable[..., Any]]] = {}

    def __init__(
        self,
        log_history: Sequence[Any] = (),
        count_history: Sequence[Any] = (),
        max_length: int = 1000000,
    ) -> None:
        if not isinstance(max_length, int) or max_length < 1:
            raise ValueError(f"HistoryBuffer max_length must be an int >= 1, got {max_length!r}")
        # tensors/arrays (a checkpoint's state, MMEngine's buffers) as Python numbers
        logs = log_history.tolist() if hasattr(log_history, "tolist") else list(log_history)
        counts = count_history.tolist() if hasattr(count_history, "tolist") else list(count_history)
        if len(logs) != len(counts):
            raise ValueError(
                f"HistoryBuffer needs one count per value: got {len(logs)} values and "
                f"{len(counts)} counts"
            )
        if len(logs) > max_length:
            warnings.warn(
                f"HistoryBuffer: {len(logs)} values exceed max_length={max_length}; "
                "only the newest are kept",
                stacklevel=2,
            )
            logs, counts = logs[-max_length:], counts[-max_length:]
        self.max_length = max_length
        # keep up to max_length + slack values so that dropping old ones is amortised O(1)
        self._slack = max(1, max_length // 4)
        self._logs = array("d", logs)
        self._counts = array("d", counts)
        # as numpy would: values stay ints until a float arrives (an empty buffer is float)
        self._int_logs = _all_ints(logs)
        self._int_counts = _all_ints(counts)

    def update(self, log_val: int | float, count: int | float = 1) -> None:
        """Append one value and its count."""
        if log_val.__class__ is float and count.__class__ is int:  # the logged scalars' case
            self._int_logs = False
        else:
            if not isinstance(log_val, (int, float)) or not isinstance(count, (int, float)):
                raise TypeError(
                    "HistoryBuffer.update takes an int or float value and count, got "
                    f"{type(log_val).__name__} and {type(count).__name__}; call .item() on "
                    "tensors and numpy scalars first"
                )
            if self._int_logs and not isinstance(log_val, int):
                self._int_logs = False
            if self._int_counts and not isinstance(count, int):
                self._int_counts = False
        logs = self._logs
        logs.append(log_val)
        self._counts.append(count)
        if len(logs) >= self.max_length + self._slack:
            del self._logs[: -self.max_length]
            del self._counts[: -self.max_length]

    def extend(self, values: list[int | float]) -> None:
        """Append several values, each with count 1 (``update`` in a loop, in one call)."""
        if set(map(type, values)) != {float}:  # ints or a mix: keep update()'s int tracking
            for value in values:
                self.update(value)
            return
        self._int_logs = False
        self._logs.extend(values)
        self._counts.extend([1] * len(values))
        if len(self._logs) >= self.max_length + self._slack:
            del self._logs[: -self.max_length]
            del self._counts[: -self.max_length]

    def _start(self, window_size: int | None) -> int:
        """Index in storage of the first value of the window."""
        kept = min(len(self._logs), self.max_length)
        if window_size is not None:
            if not isinstance(window_size, int) or isinstance(window_size, bool):
                raise TypeError(
                    f"window_size must be an int or None, got {type(window_size).__name__}"
                )
            if window_size < 1:
                raise ValueError(f"window_size must be >= 1 (or None for all), got {window_size}")
            kept = min(kept, window_size)
        if kept == 0:
            raise ValueError("HistoryBuffer is empty: call update() first")
        return len(self._logs) - kept

    def _value(self, value: float, as_int: bool) -> int | float:
        return int(value) if as_int else value

    @property
    def data(self) -> tuple[Any, Any]:
        """``(values, counts)`` of the kept history as numpy arrays."""
        import numpy as np

        start = max(0, len(self._logs) - self.max_length)
        logs = np.array(self._logs[start:], dtype=np.int64 if self._int_logs else np.float64)
        counts = np.array(self._counts[start:], dtype=np.int64 if self._int_counts else np.float64)
        return logs, counts

    @property
    def _log_history(self) -> Any:
        """The values as a numpy array (what MMEngine's registered statistics read)."""
        return self.data[0]

    @property
    def _count_history(self) -> Any:
        """The counts as a numpy array (what MMEngine's registered statistics read)."""
        return self.data[1]

    def mean(self, window_size: int | None = None) -> float:
        """``sum(values) / sum(counts)`` over the last ``window_size`` updates."""
        start = self._start(window_size)
        return sum(self._logs[start:]) / sum(self._counts[start:])

    def max(self, window_size: int | None = None) -> int | float:
        """Largest value over the last ``window_size`` updates."""
        return self._value(max(self._logs[self._start(window_size) :]), self._int_logs)

    def min(self, window_size: int | None = None) -> int | float:
        """Smallest value over the last ``window_size`` updates."""
        return self._value(min(self._logs[self._start(window_size) :]), self._int_logs)

    def current(self) -> int | float:
        """The newest value."""
        if not self._logs:
            raise ValueError("HistoryBuffer is empty: call update() first")
        return self._value(self._logs[-1], self._int_logs)

    @classmethod
    def register_statistics(cls, method: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator: make ``method(buffer, *args, **kwargs)`` callable as
        ``buffer.statistics(method.__name__, *args, **kwargs)``."""
        name = method.__name__
        if name in cls._statistics_methods:
            raise ValueError(
                f"a HistoryBuffer statistics method named {name!r} is already registered; "
                "give your function another name"
            )
        cls._statistics_methods[name] = method
        return method

    def statistics(self, method_name: str, *args: Any, **kwargs: Any) -> Any:
        """Run the statistics method registered as ``method_name`` on this buffer."""
        method = self._statistics_methods.get(method_name)
        if method is None:
            raise KeyError(
                f"HistoryBuffer has no statistics method {method_name!r}; registered: "
                f"{sorted(self._statistics_methods)} (add one with "
                "@HistoryBuffer.register_statistics)"
            )
        return method(self, *args, **kwargs)

    def _to_state(self) -> dict[str, Any]:
        """Values and counts as 1-d tensors (int64 while all are ints, else float64) and
        ``max_length``: what ``torch.load(weights_only=True)`` accepts, and pickled as one
        object each (a list costs the checkpoint writer a Python call per logged value)."""
        start = max(0, len(self._logs) - self.max_length)
        return {
            "log_history": _as_tensor(self._logs[start:], self._int_logs),
            "count_history": _as_tensor(self._counts[start:], self._int_counts),
            "max_length": self.max_length,
        }

    def __repr__(self) -> str:
        kept = min(len(self._logs), self.max_length)
        return f"HistoryBuffer(len={kept}, max_length={self.max_length})"


def _as_tensor(values: array, as_int: bool) -> Any:
    import torch

    dtype = torch.int64 if as_int else torch.float64
    if not values:
        return torch.zeros(0, dtype=dtype)
    return torch.frombuffer(values, dtype=torch.float64).to(dtype, copy=True)


for _name in ("mean", "max", "min", "current"):
    HistoryBuffer._statistics_methods[_name] = getattr(HistoryBuffer, _name)
del _name
