"""Budgets of ``treadle.config`` (issue 3).

- Loading a realistic config (4 levels of ``_base_``, ~250 values, modelled on mmdet's
  Faster R-CNN ms-3x config): <= 1/5 of MMEngine 0.10.7's time in the same run, for
  the first load in a fresh process (cold) and for repeated loads (warm). There is no
  cache between loads: a warm load re-reads and re-runs every file. Cold times exclude
  importing the config module (``treadle.config`` imports its loader up front, and is
  budgeted below; MMEngine's import is ~0.5 s); import + first load is printed too.
- ``import treadle.config``: <= 30 ms above a bare interpreter, torch not imported.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from common import best_per_call, finish, fresh_process_seconds, report

CONFIG = str(Path(__file__).resolve().parent / "configs" / "faster-rcnn_r101_fpn_ms-3x_coco.py")
COLD = (
    "import time, warnings; warnings.simplefilter('ignore'); t0 = time.perf_counter()\n"
    "from {module} import Config\n"
    "t = time.perf_counter(); Config.fromfile({path!r}); t1 = time.perf_counter()\n"
    "print(t1 - t, t1 - t0)"
)


def cold_ms(module: str, repeat: int = 9) -> tuple[float, float]:
    """Median ms of the first ``fromfile`` in fresh processes, and of import + first load."""
    code = COLD.format(module=module, path=CONFIG)
    runs = [
        [float(x) for x in subprocess.check_output([sys.executable, "-c", code], text=True).split()]
        for _ in range(repeat)
    ]
    return statistics.median(r[0] for r in runs) * 1e3, statistics.median(r[1] for r in runs) * 1e3


def import_cost_ms() -> float:
    bare = fresh_process_seconds("pass")
    ours = fresh_process_seconds("import treadle.config")
    leaked = subprocess.check_output(
        [sys.executable, "-c", "import sys, treadle.config; print('torch' in sys.modules)"],
        text=True,
    ).strip()
    assert leaked == "False", "importing treadle.config imported torch"
    return (ours - bare) * 1e3


def main() -> None:
    import logging
    import warnings

    warnings.simplefilter("ignore")
    from mmengine.config import Config as MMConfig

    from treadle.config import Config

    logging.getLogger("mmengine").setLevel(logging.ERROR)
    ours_dict = Config.fromfile(CONFIG).to_dict()
    theirs_dict = MMConfig.fromfile(CONFIG).to_dict()
    assert json.dumps(ours_dict) == json.dumps(theirs_dict), "configs differ from MMEngine's"

    report("import treadle.config over bare python", import_cost_ms(), 30, "ms")

    (ours_cold, ours_total), (theirs_cold, theirs_total) = (
        cold_ms("treadle.config"),
        cold_ms("mmengine.config"),
    )
    print(f"  cold first load: treadle {ours_cold:.2f} ms, MMEngine 0.10.7 {theirs_cold:.2f} ms")
    print(
        f"  import + first load: treadle {ours_total:.2f} ms, MMEngine 0.10.7 {theirs_total:.2f} ms"
    )
    report("config load, cold, treadle/mmengine", ours_cold / theirs_cold, 0.2, "x")

    ours_warm = best_per_call(lambda: Config.fromfile(CONFIG), 20) * 1e3
    theirs_warm = best_per_call(lambda: MMConfig.fromfile(CONFIG), 5) * 1e3
    print(f"  warm load: treadle {ours_warm:.2f} ms, MMEngine 0.10.7 {theirs_warm:.2f} ms")
    report("config load, warm, treadle/mmengine", ours_warm / theirs_warm, 0.2, "x")
    finish()


if __name__ == "__main__":
    main()
