"""Shared helpers for the benchmarks: timing and the one-line budget report.

Every budget is a ratio measured in one run against a baseline timed beside it
(a hand-written loop, the stdlib, or MMEngine 0.10.7), never an absolute time
in a test. ``report`` prints one line per budget and remembers failures, so
``bench/run.py`` can exit non-zero when a budget is missed.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable

failures: list[str] = []


def best_per_call(fn: Callable[[], object], number: int, repeat: int = 7) -> float:
    """Best-of-``repeat`` mean seconds per call of ``fn`` over ``number`` calls."""
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        timings.append((time.perf_counter() - start) / number)
    return min(timings)


def fresh_process_seconds(code: str, repeat: int = 11) -> float:
    """Median wall time of ``python -c code`` in fresh interpreters."""
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def report(name: str, value: float, budget: float, unit: str, lower_is_better: bool = True) -> None:
    """Print ``name: value unit (budget ...) ok|MISSED`` and record misses."""
    ok = value <= budget if lower_is_better else value >= budget
    sign = "<=" if lower_is_better else ">="
    print(f"{name}: {value:.3g} {unit} (budget {sign} {budget:g}) {'ok' if ok else 'MISSED'}")
    if not ok:
        failures.append(name)


def finish() -> None:
    """Exit 1 if any budget in this script was missed."""
    raise SystemExit(1 if failures else 0)
