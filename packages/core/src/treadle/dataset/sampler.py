"""Samplers that hide the difference between one process and data-parallel training.

Each rank takes every ``world_size``-th index of one shared order, so the ranks
see disjoint parts of the dataset; the order depends only on ``seed`` (shared
across ranks) and the epoch, which makes runs reproducible and resumable.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sized
from typing import Any

import torch
from torch.utils.data import Sampler

from treadle.dist import get_dist_info, sync_random_seed
from treadle.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class DefaultSampler(Sampler[int]):
    """Epoch-based sampler, the data-parallel aware default of ``train_dataloader``.

    Args:
        dataset: anything with ``len()``.
        shuffle: permute the indices, differently in every epoch (see :meth:`set_epoch`).
        seed: shuffling seed, the same on every rank; drawn on rank 0 and broadcast
            if None.
        round_up: pad the index list by wrapping around so every rank gets the same
            number of samples (like ``drop_last=False``); else ranks may differ by one.
    """

    def __init__(
        self,
        dataset: Sized,
        shuffle: bool = True,
        seed: int | None = None,
        round_up: bool = True,
    ) -> None:
        rank, world_size = get_dist_info()
        self.rank = rank
        self.world_size = world_size
        self.dataset = dataset
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        self.round_up = round_up
        if round_up:
            self.num_samples = math.ceil(len(dataset) / world_size)
            self.total_size = self.num_samples * world_size
        else:
            self.num_samples = math.ceil((len(dataset) - rank) / world_size)
            self.total_size = len(dataset)

    def __iter__(self) -> Iterator[int]:
        length = len(self.dataset)
        if self.shuffle:
            generator = torch.Generator()
            generator.manual_seed(self.seed + self.epoch)
            indices = torch.randperm(length, generator=generator).tolist()
        else:
            indices = list(range(length))
        if self.round_up and indices:
            indices = (indices * (self.total_size // length + 1))[: self.total_size]
        return iter(indices[self.rank : self.total_size : self.world_size])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Reshuffle for ``epoch`` (the runner calls this at the start of each epoch)."""
        self.epoch = epoch


@DATA_SAMPLERS.register_module()
class InfiniteSampler(Sampler[int]):
    """An endless index stream for iteration-based training; each rank takes every
    ``world_size``-th index of it. ``len()`` is the dataset's length."""

    def __init__(self, dataset: Sized, shuffle: bool = True, seed: int | None = None) -> None:
        rank, world_size = get_dist_info()
        self.rank = rank
        self.world_size = world_size
        self.dataset = dataset
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.size = len(dataset)
        if self.size == 0:
            raise ValueError(
                "InfiniteSampler got an empty dataset: it would search forever for an index; "
                "check the dataset's annotation file and filter_cfg"
            )
        self.indices = self._indices_of_rank()

    def _infinite_indices(self) -> Iterator[int]:
        generator = torch.Generator()
        generator.manual_seed(self.seed)
        while True:
            if self.shuffle:
                yield from torch.randperm(self.size, generator=generator).tolist()
            else:
                yield from range(self.size)

    def _indices_of_rank(self) -> Iterator[int]:
        yield from itertools.islice(self._infinite_indices(), self.rank, None, self.world_size)

    def __iter__(self) -> Iterator[int]:
        yield from self.indices

    def __len__(self) -> int:
        return self.size

    def set_epoch(self, epoch: int) -> None:
        """Does nothing: the stream never restarts (kept for the runner's interface)."""


def epoch_sampler(loader: Any) -> Any:
    """The sampler of ``loader`` that takes ``set_epoch``: its own, or its batch sampler's
    (a ``batch_sampler`` config leaves the loader's own a plain sequential one); None if
    neither does."""
    for sampler in (
        getattr(loader, "sampler", None),
        getattr(getattr(loader, "batch_sampler", None), "sampler", None),
    ):
        if hasattr(sampler, "set_epoch"):
            return sampler
    return None
