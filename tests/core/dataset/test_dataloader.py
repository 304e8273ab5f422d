"""A real torch DataLoader with 2 worker processes over a serialized BaseDataset."""

from __future__ import annotations

import random
from functools import partial

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from treadle.dataset import (
    BaseDataset,
    DefaultSampler,
    default_collate,
    pseudo_collate,
    worker_init_fn,
)

SEED = 1234
DRAW = dict(type="DatasetTestDrawRandom")


def expected_draws(worker_seed: int, count: int) -> list[int]:
    state = np.random.RandomState(worker_seed)
    return [int(state.randint(0, 2**30)) for _ in range(count)]


def load(dataset, sampler, collate_fn, seed=SEED):
    loader = DataLoader(
        dataset,
        batch_size=2,
        sampler=sampler,
        num_workers=2,
        collate_fn=collate_fn,
        worker_init_fn=partial(worker_init_fn, num_workers=2, rank=0, seed=seed),
    )
    return list(loader)


@pytest.mark.slow
def test_workers_are_seeded_and_batches_follow_the_sampler(make_ann):
    dataset = BaseDataset(ann_file=make_ann(12), pipeline=[DRAW])
    assert dataset.data_list == [] and dataset.data_bytes.size > 0  # workers share buffers
    sampler = DefaultSampler(dataset, shuffle=True, seed=0)
    batches = load(dataset, sampler, default_collate)

    order = [int(v) for batch in batches for v in batch["value"]]
    assert order == list(sampler)
    assert all(isinstance(batch["value"], torch.Tensor) for batch in batches)
    assert batches[0]["img_path"] == [f"img_{i}.jpg" for i in order[:2]]
    # batch b is made by worker b % 2, seeded with num_workers * rank + worker_id + seed
    for worker_id in (0, 1):
        draws = [int(d) for batch in batches[worker_id::2] for d in batch["draw"]]
        assert draws == expected_draws(SEED + worker_id, 6)

    again = load(dataset, sampler, default_collate)
    assert [b["draw"].tolist() for b in again] == [b["draw"].tolist() for b in batches]
    other = load(dataset, sampler, default_collate, seed=SEED + 10)
    assert [b["draw"].tolist() for b in other] != [b["draw"].tolist() for b in batches]


@pytest.mark.slow
def test_pseudo_collate_batches_from_workers(make_ann):
    dataset = BaseDataset(ann_file=make_ann(6), pipeline=[dict(type="DatasetTestMakeImage")])
    sampler = DefaultSampler(dataset, shuffle=False, seed=0)
    batches = load(dataset, sampler, pseudo_collate)
    assert [batch["value"] for batch in batches] == [[0, 1], [2, 3], [4, 5]]
    assert isinstance(batches[1]["img"], list)
    np.testing.assert_array_equal(batches[1]["img"][1], np.arange(6).reshape(2, 3) + 300)


def test_worker_init_fn_seeds_every_generator():
    worker_init_fn(1, num_workers=4, rank=2, seed=10)  # 4 * 2 + 1 + 10 = 19
    assert np.random.randint(0, 2**30) == np.random.RandomState(19).randint(0, 2**30)
    assert random.random() == random.Random(19).random()
    assert torch.initial_seed() == 19


def test_disable_subprocess_warning_silences_all_workers_but_the_first(python):
    code = (
        "import warnings\n"
        "from treadle.dataset import worker_init_fn\n"
        "worker_init_fn({wid}, 2, 0, 0, disable_subprocess_warning=True)\n"
        "warnings.warn('from the worker')\n"
    )
    assert "from the worker" in python(code.format(wid=0)).stderr
    assert "from the worker" not in python(code.format(wid=1)).stderr
