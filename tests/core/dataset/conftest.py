"""Fixtures for the dataset tests: real annotation files and tiny registered transforms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from treadle.dataset import BaseDataset
from treadle.registry import DATASETS, TRANSFORMS


@TRANSFORMS.register_module(force=True)
class DatasetTestMakeImage:
    """Make a small image whose pixels encode the sample's ``value``."""

    def __call__(self, results: dict[str, Any]) -> dict[str, Any]:
        results["img"] = np.arange(6, dtype=np.int64).reshape(2, 3) + 100 * results["value"]
        return results


@TRANSFORMS.register_module(force=True)
class DatasetTestDropOdd:
    """Give up (return None) on samples with an odd ``value``, like a failed image read."""

    def __call__(self, results: dict[str, Any]) -> dict[str, Any] | None:
        return None if results["value"] % 2 else results


@TRANSFORMS.register_module(force=True)
class DatasetTestDrawRandom:
    """Record one draw of numpy's global RNG (to check worker seeding)."""

    def __call__(self, results: dict[str, Any]) -> dict[str, Any]:
        results["draw"] = int(np.random.randint(0, 2**30))
        return results


@DATASETS.register_module(force=True)
class DatasetTestToy(BaseDataset):
    """A dataset whose samples carry category ids, for ClassBalancedDataset."""

    METAINFO: ClassVar[dict] = {"classes": ("cat", "dog"), "palette": [(0, 0, 0)]}

    def get_cat_ids(self, idx: int) -> list[int]:
        return list(self.get_data_info(idx)["cats"])


def write_annotation(path: Path, data_list: list[dict], metainfo: dict | None = None) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"metainfo": {} if metainfo is None else metainfo, "data_list": data_list}
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


@pytest.fixture
def make_ann(tmp_path: Path):
    """``make_ann(n, name='ann.json', metainfo=None, **extra)`` writes a real JSON file."""

    def make(
        n: int = 5,
        name: str = "ann.json",
        metainfo: dict | None = None,
        cats: list[list[int]] | None = None,
    ) -> str:
        records = [
            {"img_path": f"img_{i}.jpg", "value": i, "cats": cats[i] if cats else [i % 2]}
            for i in range(n)
        ]
        return write_annotation(tmp_path / name, records, metainfo)

    return make
