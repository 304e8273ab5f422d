"""Budgets of the registry and plugin layers (issue 2).

- ``import treadle.registry, treadle.plugins``: <= 30 ms above a bare interpreter.
- ``Registry.build(dict(type='A', x=1))``: <= 3 us per call, beside MMEngine 0.10.7's.
- first ``vision.X`` lookup in a fresh process: <= 50 ms above importing X's module.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from common import best_per_call, finish, fresh_process_seconds, report

CALLS = 20_000


def import_cost_ms() -> float:
    bare = fresh_process_seconds("pass")
    ours = fresh_process_seconds("import treadle.registry, treadle.plugins")
    leaked = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, treadle.registry, treadle.plugins;print('torch' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert leaked == "False", "importing treadle.registry imported torch"
    return (ours - bare) * 1e3


def build_cost_us(registry_cls) -> float:
    registry = registry_cls("bench", scope="bench_scope")

    @registry.register_module()
    class A:
        def __init__(self, x):
            self.x = x

    cfg = dict(type="A", x=1)
    return best_per_call(lambda: registry.build(cfg), CALLS) * 1e6


def first_plugin_lookup_ms(repeat: int = 11) -> float:
    timed = "import time; t = time.perf_counter(); {}; print(time.perf_counter() - t)"
    lookup = timed.format(
        "from treadle.registry import TRANSFORMS; TRANSFORMS.get('vision.RandomFlip')"
    )
    direct = timed.format("import treadle_vision.transforms")
    lookups, directs = [], []
    for _ in range(repeat):
        lookups.append(float(subprocess.check_output([sys.executable, "-c", lookup], text=True)))
        directs.append(float(subprocess.check_output([sys.executable, "-c", direct], text=True)))
    # the fastest of each: disk and page-cache traffic from the benchmarks before this one
    # only ever adds time, and it reaches the metadata scan of the lookup more than the import
    return (min(lookups) - min(directs)) * 1e3


def main() -> None:
    from treadle.registry import Registry

    report("import treadle.registry+plugins over bare python", import_cost_ms(), 30, "ms")
    ours = build_cost_us(Registry)
    report("Registry.build per call", ours, 3.0, "us")
    if importlib.util.find_spec("mmengine") is not None:
        import warnings

        warnings.simplefilter("ignore")
        from mmengine.registry import Registry as MMRegistry

        theirs = build_cost_us(MMRegistry)
        print(
            f"  MMEngine 0.10.7 Registry.build: {theirs:.3g} us per call; "
            f"treadle/mmengine = {ours / theirs:.3f}"
        )
    else:
        print("  (mmengine not installed: run `nox -s bench` for the side-by-side figure)")
    report("first vision.X lookup over importing X's module", first_plugin_lookup_ms(), 50, "ms")


if __name__ == "__main__":
    main()
    finish()
