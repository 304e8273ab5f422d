"""pseudo_collate and default_collate on the structures a pipeline produces."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest
import torch

from treadle.dataset import default_collate, pseudo_collate
from treadle.registry import FUNCTIONS
from treadle.structures import BaseDataElement

Point = namedtuple("Point", ["x", "y"])


def batch_of_samples():
    return [
        {
            "inputs": torch.full((2, 2), float(i)),
            "img": np.full((3,), i, dtype=np.int64),
            "label": i,
            "score": 0.5 * i,
            "path": f"img_{i}.jpg",
            "raw": b"x",
            "pair": (i, -i),
            "shapes": [i, i + 1],
            "point": Point(i, 10 * i),
            "data_samples": BaseDataElement(metainfo={"idx": i}),
        }
        for i in range(3)
    ]


def test_pseudo_collate_regroups_without_stacking():
    batch = batch_of_samples()
    out = pseudo_collate(batch)
    assert set(out) == set(batch[0])
    assert isinstance(out["inputs"], list) and len(out["inputs"]) == 3
    assert all(out["inputs"][i] is batch[i]["inputs"] for i in range(3))
    assert isinstance(out["img"], list) and out["img"][2] is batch[2]["img"]
    assert out["label"] == [0, 1, 2]
    assert out["path"] == ["img_0.jpg", "img_1.jpg", "img_2.jpg"]
    # sequences transpose into a list of the zipped tuples (MMEngine's pseudo_collate)
    assert out["pair"] == [(0, 1, 2), (0, -1, -2)]
    assert out["shapes"] == [(0, 1, 2), (1, 2, 3)]
    assert out["point"] == Point((0, 1, 2), (0, 10, 20))
    assert [d.metainfo["idx"] for d in out["data_samples"]] == [0, 1, 2]


def test_default_collate_stacks_tensors_arrays_and_numbers():
    batch = batch_of_samples()
    out = default_collate(batch)
    assert torch.equal(out["inputs"], torch.stack([s["inputs"] for s in batch]))
    assert torch.equal(out["img"], torch.tensor([[0, 0, 0], [1, 1, 1], [2, 2, 2]]))
    assert torch.equal(out["label"], torch.tensor([0, 1, 2]))
    assert out["score"].dtype == torch.float64
    assert out["path"] == ["img_0.jpg", "img_1.jpg", "img_2.jpg"]
    assert out["raw"] == [b"x", b"x", b"x"]
    assert [t.tolist() for t in out["pair"]] == [[0, 1, 2], [0, -1, -2]]
    assert isinstance(out["point"], Point) and out["point"].y.tolist() == [0, 10, 20]
    elements = out["data_samples"]  # data elements are kept, not stacked
    assert isinstance(elements, list) and all(isinstance(d, BaseDataElement) for d in elements)
    assert elements[1] is batch[1]["data_samples"]


def test_collate_of_a_plain_batch():
    assert pseudo_collate([1, 2, 3]) == [1, 2, 3]
    assert torch.equal(default_collate([1, 2, 3]), torch.tensor([1, 2, 3]))
    assert pseudo_collate([range(2), range(2)]) == [(0, 0), (1, 1)]  # range can't be rebuilt


@pytest.mark.parametrize("collate", [pseudo_collate, default_collate])
def test_sequences_of_different_lengths_are_refused(collate):
    with pytest.raises(RuntimeError, match=r"different lengths: \[2, 3\]"):
        collate([[1, 2], [1, 2, 3]])


def test_collate_functions_are_registered():
    assert FUNCTIONS.get("pseudo_collate") is pseudo_collate
    assert FUNCTIONS.get("default_collate") is default_collate
