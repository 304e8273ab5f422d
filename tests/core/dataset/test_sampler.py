"""DefaultSampler and InfiniteSampler: in one process, and in a real 2-process gloo job."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import pytest
import torch

from treadle.dataset import DefaultSampler, InfiniteSampler
from treadle.registry import DATA_SAMPLERS

WORKER = Path(__file__).with_name("sampler_worker.py")


def permutation(seed: int, length: int) -> list[int]:
    generator = torch.Generator()
    generator.manual_seed(seed)
    return torch.randperm(length, generator=generator).tolist()


def test_default_sampler_is_determined_by_seed_and_epoch():
    dataset = list(range(20))
    a, b = DefaultSampler(dataset, seed=7), DefaultSampler(dataset, seed=7)
    assert list(a) == list(b)
    assert sorted(a) == dataset
    assert list(a) == list(a)  # iterating again gives the same epoch
    first_epoch = list(a)
    a.set_epoch(1)
    assert list(a) != first_epoch and sorted(a) == dataset
    b.set_epoch(1)
    assert list(a) == list(b)
    assert list(a) == permutation(7 + 1, 20)  # the order is seed + epoch's permutation
    assert list(DefaultSampler(dataset, seed=8)) != first_epoch


def test_default_sampler_in_one_process():
    sampler = DefaultSampler(range(5), shuffle=False, seed=0)
    assert (sampler.rank, sampler.world_size) == (0, 1)
    assert list(sampler) == [0, 1, 2, 3, 4] and len(sampler) == 5
    assert isinstance(DefaultSampler(range(3)).seed, int)  # drawn when not given
    assert list(DefaultSampler([], seed=0)) == []


def test_infinite_sampler_streams_epochs_back_to_back():
    sampler = InfiniteSampler(list(range(6)), seed=3)
    head = list(itertools.islice(iter(sampler), 18))
    assert head[:6] == permutation(3, 6)
    for start in (0, 6, 12):
        assert sorted(head[start : start + 6]) == list(range(6))
    assert len(sampler) == 6
    ordered = InfiniteSampler(list(range(4)), shuffle=False, seed=0)
    assert list(itertools.islice(iter(ordered), 10)) == [0, 1, 2, 3] * 2 + [0, 1]
    with pytest.raises(ValueError, match="InfiniteSampler got an empty dataset"):
        InfiniteSampler([], seed=0)


def test_samplers_build_from_the_registry():
    sampler = DATA_SAMPLERS.build(
        dict(type="DefaultSampler", shuffle=False, seed=0), default_args=dict(dataset=range(3))
    )
    assert list(sampler) == [0, 1, 2]
    assert isinstance(
        DATA_SAMPLERS.build(dict(type="InfiniteSampler", dataset=range(3), seed=1)),
        InfiniteSampler,
    )


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory, launch_ranks) -> list[dict]:
    """Reports of sampler_worker.py run as ranks 0 and 1 of a gloo process group."""
    out_dir = tmp_path_factory.mktemp("ranks")
    launch_ranks([sys.executable, str(WORKER), str(out_dir)])
    return [json.loads((out_dir / f"rank{rank}.json").read_text()) for rank in range(2)]


@pytest.mark.slow
def test_ranks_partition_the_padded_index_list(two_ranks):
    rank0, rank1 = two_ranks
    assert [rank0["rank"], rank1["rank"]] == [0, 1] and rank0["world_size"] == 2
    assert rank0["seed"] == rank1["seed"]  # rank 0's seed reached rank 1
    padded = permutation(rank0["seed"] + 3, 11)
    padded += padded[:1]  # 11 samples on 2 ranks: padded to 12 by wrapping around
    assert rank0["shuffled"] == padded[0::2] and rank1["shuffled"] == padded[1::2]
    assert rank0["shuffled_len"] == rank1["shuffled_len"] == 6
    assert rank0["ordered"] == [0, 2, 4, 6, 8, 10] and rank1["ordered"] == [1, 3, 5, 7, 9, 0]


@pytest.mark.slow
def test_without_round_up_ranks_split_the_exact_list(two_ranks):
    rank0, rank1 = two_ranks
    assert rank0["not_rounded"] == [0, 2, 4, 6, 8, 10] and rank0["not_rounded_len"] == 6
    assert rank1["not_rounded"] == [1, 3, 5, 7, 9] and rank1["not_rounded_len"] == 5


@pytest.mark.slow
def test_infinite_sampler_interleaves_ranks(two_ranks):
    stream = permutation(5, 11) + permutation_continued(5, 11)
    assert two_ranks[0]["infinite"] == stream[0:22:2]
    assert two_ranks[1]["infinite"] == stream[1:22:2]


def permutation_continued(seed: int, length: int) -> list[int]:
    """The second permutation drawn from the same generator (InfiniteSampler's next epoch)."""
    generator = torch.Generator()
    generator.manual_seed(seed)
    torch.randperm(length, generator=generator)
    return torch.randperm(length, generator=generator).tolist()
