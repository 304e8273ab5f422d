"""Write or check the config parity golden file against a live MMEngine 0.10.7.

    python tests/core/config/make_golden.py write   # MMEngine -> config_corpus/golden.json
    python tests/core/config/make_golden.py check   # live MMEngine == golden == Treadle

``check`` is what ``nox -s parity`` runs (MMEngine, torch and Treadle installed
side by side); the normal test suite compares Treadle with the committed file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from config_parity import GOLDEN, compute, dumps

sys.path.insert(0, str(Path(__file__).parents[2]))  # tests/: the shared support package
from support.mmengine_side import mmengine_mismatch


def main(mode: str) -> int:
    mismatch = mmengine_mismatch(quiet=False)
    if mismatch:
        print(mismatch)
        return 1
    import mmengine.config

    live = json.loads(dumps(compute(mmengine.config)))
    if mode == "write":
        GOLDEN.write_text(dumps(live), encoding="utf-8")
        print(f"wrote {GOLDEN}")
        return 0
    import treadle.config

    ours = json.loads(dumps(compute(treadle.config)))
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    failures = []
    for section in live:
        for case in live[section]:
            if live[section][case] != golden[section].get(case):
                failures.append(f"golden file is stale for {section}/{case}: rerun `write`")
            if json.dumps(live[section][case]) != json.dumps(ours[section].get(case)):
                failures.append(f"Treadle differs from MMEngine on {section}/{case}")
    print("\n".join(failures) or f"parity: {sum(map(len, live.values()))} cases equal")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "check"))
