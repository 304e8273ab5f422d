"""Run every ``bench/bench_*.py`` in its own process; exit 1 if any budget is missed.

``python bench/run.py [NAME ...]`` runs only the benchmarks whose file name
contains one of the given words.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main(words: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if words:
        scripts = [s for s in scripts if any(w in s.stem for w in words)]
    missed = []
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        if subprocess.run([sys.executable, str(script)], cwd=HERE).returncode != 0:
            missed.append(script.stem)
    print(f"budgets missed in: {', '.join(missed)}" if missed else "all budgets met")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
