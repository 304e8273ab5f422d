"""Budgets of ``treadle.dataset`` (issue 5), on 100k COCO-style records (a path, the
image size and two boxes each) read from a real JSON annotation file.

- ``BaseDataset.__getitem__`` (empty pipeline) on the serialized list: >= 0.5x the
  speed of a plain Python list lookup-and-copy, indices in shuffled order.
- Memory the serialized data list holds: <= 1/3 of the same list of dicts
  (both measured with tracemalloc as what the built dataset keeps allocated).

The baseline. MMEngine's guide offers one alternative to serializing: keep the data
list as Python dicts (``serialize_data=False``). ``__getitem__`` must then hand the
pipeline a copy it may change freely (transforms add keys and edit the nested
``instances`` lists in place), so the copy has to be a deep one. The fair lookup-and-
copy is therefore the fastest stdlib deep copy of one record, a pickle round trip
``pickle.loads(pickle.dumps(lst[i]))``. Printed for reference only:
``copy.deepcopy(lst[i])``, which is what MMEngine's (and our) unserialized path pays,
and a shallow ``dict(lst[i])``, which is cheaper but shares the nested lists between
epochs, so a pipeline editing them would corrupt the dataset.
"""

from __future__ import annotations

import copy
import gc
import json
import pickle
import random
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from common import finish, report

RECORDS = 100_000
LOOKUPS = 20_000
ROUNDS = 9


def record(i: int) -> dict:
    return {
        "img_path": f"train2017/{i:012d}.jpg",
        "height": 480,
        "width": 640,
        "instances": [
            {"bbox": [1.5 * k, 20.25, 100.0 + k, 200.5], "bbox_label": (i + k) % 80}
            for k in range(2)
        ],
    }


def write_annotation(path: Path) -> None:
    metainfo = {"classes": [f"class_{c}" for c in range(80)]}
    data_list = [record(i) for i in range(RECORDS)]
    path.write_text(json.dumps({"metainfo": metainfo, "data_list": data_list}))


def build_measured(ann_file: Path, serialize_data: bool):
    """The dataset and the bytes it keeps allocated (tracemalloc)."""
    from treadle.dataset import BaseDataset

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    dataset = BaseDataset(ann_file=str(ann_file), data_prefix={}, serialize_data=serialize_data)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return dataset, held


def interleaved_best(fns: dict[str, Callable[[int], object]], indices: list[int]) -> dict:
    """Best seconds per call of each fn, the fns timed in turn in every round (the
    machine's load then weighs on all of them alike)."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(ROUNDS):
        for name, fn in fns.items():
            start = time.perf_counter()
            for idx in indices:
                fn(idx)
            best[name] = min(best[name], (time.perf_counter() - start) / len(indices))
    return best


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ann_file = Path(tmp) / "train.json"
        write_annotation(ann_file)
        packed, packed_bytes = build_measured(ann_file, serialize_data=True)
        plain, plain_bytes = build_measured(ann_file, serialize_data=False)

    data_list = plain.data_list
    assert packed.get_data_info(7) == plain.get_data_info(7)
    indices = random.Random(0).sample(range(RECORDS), LOOKUPS)
    best = interleaved_best(
        {
            "ours": packed.__getitem__,
            "pickle": lambda i: pickle.loads(pickle.dumps(data_list[i], protocol=4)),
            "deepcopy": lambda i: copy.deepcopy(data_list[i]),
            "shallow": lambda i: dict(data_list[i]),
        },
        indices,
    )
    ours = best["ours"]
    print(f"  serialized __getitem__: {ours * 1e6:.3g} us per sample")
    report(
        "serialized __getitem__ speed / list lookup + deep copy (pickle round trip)",
        best["pickle"] / ours,
        0.5,
        "x",
        lower_is_better=False,
    )
    print(
        f"  for reference: / copy.deepcopy (MMEngine's unserialized path): "
        f"{best['deepcopy'] / ours:.3g}x; / shallow dict(lst[i]): {best['shallow'] / ours:.3g}x"
    )
    print(
        f"  memory: serialized {packed_bytes / 2**20:.1f} MiB, "
        f"list of dicts {plain_bytes / 2**20:.1f} MiB ({RECORDS} records)"
    )
    report("serialized data list memory / list of dicts", packed_bytes / plain_bytes, 1 / 3, "x")


if __name__ == "__main__":
    main()
    finish()
