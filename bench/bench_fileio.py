"""Budgets of ``treadle.fileio`` (issue 4), as ratios measured in this run.

- ``fileio.get`` of a local 1 MB file: <= 1.1x ``open(p, 'rb').read()``.
- ``fileio.load`` / ``fileio.dump`` of a 10 MB JSON file: >= 1.0x the throughput of the
  stdlib ``json.load`` / ``json.dump`` on the same file (``dump`` is atomic and fsynced;
  ``load`` uses orjson when installed, the ``treadle-core[fast]`` extra).
"""

from __future__ import annotations

import json
import os
import random
import tempfile

from common import best_per_call, finish, report

import treadle.fileio as fileio


def coco_like(target_bytes: int) -> dict:
    """Annotation records like a detection dataset's, about ``target_bytes`` as JSON."""
    rng = random.Random(0)
    annotations = []
    size = 0
    while size < target_bytes:
        record = {
            "id": len(annotations),
            "image_id": rng.randrange(100_000),
            "category_id": rng.randrange(80),
            "bbox": [round(rng.uniform(0, 640), 2) for _ in range(4)],
            "area": round(rng.uniform(10, 40_000), 3),
            "iscrowd": 0,
            "caption": "a photo of " + rng.choice(["a cat", "two dogs", "a red car", "people"]),
        }
        annotations.append(record)
        size += len(json.dumps(record)) + 2
    return {"info": {"version": "1.0"}, "annotations": annotations}


def interleaved(baseline, ours, number: int, rounds: int = 5) -> tuple[float, float]:
    """Best per-call times of the two, timed in alternation so drifting load hits both."""
    base_best, ours_best = float("inf"), float("inf")
    for _ in range(rounds):
        base_best = min(base_best, best_per_call(baseline, number, repeat=3))
        ours_best = min(ours_best, best_per_call(ours, number, repeat=3))
    return base_best, ours_best


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        blob = os.path.join(tmp, "blob.bin")
        with open(blob, "wb") as f:
            f.write(os.urandom(1 << 20))

        def plain_read() -> bytes:
            with open(blob, "rb") as f:
                return f.read()

        base, ours = interleaved(plain_read, lambda: fileio.get(blob), 300)
        report("fileio.get 1 MB local / open().read()", ours / base, 1.1, "x")

        obj = coco_like(10 << 20)
        path = os.path.join(tmp, "data.json")
        with open(path, "w") as f:
            json.dump(obj, f)
        print(f"(JSON file: {os.path.getsize(path) / 2**20:.1f} MiB)")

        def std_load() -> object:
            with open(path) as f:
                return json.load(f)

        base, ours = interleaved(std_load, lambda: fileio.load(path), 1)
        report("fileio.load 10 MB JSON throughput / json.load", base / ours, 1.0, "x", False)

        out_std = os.path.join(tmp, "std.json")
        out_ours = os.path.join(tmp, "ours.json")

        def std_dump() -> None:
            with open(out_std, "w") as f:
                json.dump(obj, f)

        base, ours = interleaved(std_dump, lambda: fileio.dump(obj, out_ours), 1)
        report("fileio.dump 10 MB JSON throughput / json.dump", base / ours, 1.0, "x", False)
        assert fileio.load(out_ours) == obj


if __name__ == "__main__":
    main()
    finish()
