"""Dataset wrappers: ``ConcatDataset``, ``RepeatDataset``, ``ClassBalancedDataset``.

Each wraps :class:`BaseDataset` instances (or cfg dicts built from ``DATASETS``),
supports ``lazy_init`` like the datasets themselves, and maps its own index to
an index of a wrapped dataset.
"""

from __future__ import annotations

import bisect
import copy
import math
import warnings
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
from torch.utils.data.dataset import ConcatDataset as _TorchConcatDataset

from treadle.dataset.base_dataset import BaseDataset, force_full_init
from treadle.registry import DATASETS


def _build_dataset(dataset: BaseDataset | dict, wrapper: str) -> BaseDataset:
    if isinstance(dataset, dict):
        return DATASETS.build(dataset)
    if isinstance(dataset, BaseDataset):
        return dataset
    raise TypeError(
        f"{wrapper} wraps BaseDataset instances or cfg dicts with 'type', got "
        f"{type(dataset).__name__}: {dataset!r}"
    )


def _warn_lazy(wrapper: Any) -> None:
    warnings.warn(
        f"{type(wrapper).__name__} was built with lazy_init=True and is being fully "
        f"initialized by __getitem__; call full_init() before handing it to a DataLoader",
        stacklevel=3,
    )


def _no_subset(wrapper: str) -> NotImplementedError:
    return NotImplementedError(
        f"{wrapper} does not support get_subset/get_subset_: which samples a subset of the "
        f"wrapper means is ambiguous. Take the subset of the wrapped dataset(s) first, then "
        f"wrap it."
    )


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return bool(np.array_equal(a, b))
    return bool(a == b)


@DATASETS.register_module()
class ConcatDataset(_TorchConcatDataset):
    """Datasets one after another; their metainfo must agree (except ``ignore_keys``).

    Args:
        datasets: datasets or cfg dicts.
        lazy_init: defer :meth:`full_init` of the wrapped datasets.
        ignore_keys: metainfo keys allowed to differ; the first dataset's value wins.
    """

    def __init__(
        self,
        datasets: Sequence[BaseDataset | dict],
        lazy_init: bool = False,
        ignore_keys: str | list[str] | None = None,
    ) -> None:
        self.datasets: list[BaseDataset] = [
            _build_dataset(dataset, "ConcatDataset") for dataset in datasets
        ]
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset, got an empty sequence")
        if ignore_keys is None:
            self.ignore_keys: list[str] = []
        elif isinstance(ignore_keys, str):
            self.ignore_keys = [ignore_keys]
        elif isinstance(ignore_keys, list):
            self.ignore_keys = ignore_keys
        else:
            raise TypeError(
                f"ignore_keys must be a str or a list of str, got {type(ignore_keys).__name__}"
            )
        self._metainfo = self.datasets[0].metainfo
        self._check_metainfo()
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    def _check_metainfo(self) -> None:
        keys = set().union(*(dataset.metainfo.keys() for dataset in self.datasets))
        for position, dataset in enumerate(self.datasets):
            metainfo = dataset.metainfo
            for key in sorted(keys - set(self.ignore_keys), key=str):
                if key not in metainfo:
                    raise ValueError(
                        f"ConcatDataset: dataset {position} has no metainfo key {key!r} that "
                        f"another of the datasets has; add it or pass ignore_keys=[{key!r}]"
                    )
                first, value = self._metainfo[key], metainfo[key]
                if type(first) is not type(value):
                    raise TypeError(
                        f"ConcatDataset: metainfo[{key!r}] is a {type(value).__name__} in "
                        f"dataset {position} but a {type(first).__name__} in dataset 0"
                    )
                if not _same_value(first, value):
                    raise ValueError(
                        f"ConcatDataset: metainfo[{key!r}] of dataset {position} ({value!r}) "
                        f"differs from dataset 0's ({first!r}); make them equal or pass "
                        f"ignore_keys=[{key!r}]"
                    )

    @property
    def metainfo(self) -> dict:
        """The first dataset's metainfo (a deep copy)."""
        return copy.deepcopy(self._metainfo)

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        for dataset in self.datasets:
            dataset.full_init()
        self.cumulative_sizes = self.cumsum(self.datasets)
        self._fully_initialized = True

    @force_full_init
    def _get_ori_dataset_idx(self, idx: int) -> tuple[int, int]:
        """``(dataset index, sample index inside it)`` for wrapper index ``idx``."""
        length = len(self)
        if idx < 0:
            if -idx > length:
                raise ValueError(
                    f"index {idx} is out of range for a ConcatDataset of {length} samples"
                )
            idx += length
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if dataset_idx == 0 else idx - self.cumulative_sizes[dataset_idx - 1]
        return dataset_idx, sample_idx

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        dataset_idx, sample_idx = self._get_ori_dataset_idx(idx)
        return self.datasets[dataset_idx].get_data_info(sample_idx)

    @force_full_init
    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        if not self._fully_initialized:
            _warn_lazy(self)
            self.full_init()
        dataset_idx, sample_idx = self._get_ori_dataset_idx(idx)
        return self.datasets[dataset_idx][sample_idx]

    def get_subset_(self, indices: int | Sequence[int]) -> None:
        raise _no_subset("ConcatDataset")

    def get_subset(self, indices: int | Sequence[int]) -> BaseDataset:
        raise _no_subset("ConcatDataset")


class _RemappingWrapper:
    """What RepeatDataset and ClassBalancedDataset share: one wrapped dataset, its
    metainfo, lazy init, and every lookup going through ``_get_ori_dataset_idx``."""

    def __init__(self, dataset: BaseDataset | dict) -> None:
        self.dataset = _build_dataset(dataset, type(self).__name__)
        self._metainfo = self.dataset.metainfo
        self._fully_initialized = False

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self._metainfo)

    def _get_ori_dataset_idx(self, idx: int) -> int:
        raise NotImplementedError

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(self._get_ori_dataset_idx(idx))

    def __getitem__(self, idx: int) -> Any:
        if not self._fully_initialized:
            _warn_lazy(self)
            self.full_init()
        return self.dataset[self._get_ori_dataset_idx(idx)]

    def get_subset_(self, indices: int | Sequence[int]) -> None:
        raise _no_subset(type(self).__name__)

    def get_subset(self, indices: int | Sequence[int]) -> BaseDataset:
        raise _no_subset(type(self).__name__)


@DATASETS.register_module()
class RepeatDataset(_RemappingWrapper):
    """A dataset repeated ``times`` times (cheap epochs for small datasets)."""

    def __init__(self, dataset: BaseDataset | dict, times: int, lazy_init: bool = False) -> None:
        super().__init__(dataset)
        if not isinstance(times, int) or isinstance(times, bool) or times < 0:
            raise ValueError(f"RepeatDataset: times must be an int >= 0, got {times!r}")
        self.times = times
        if not lazy_init:
            self.full_init()

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        self.dataset.full_init()
        self._ori_len = len(self.dataset)
        self._fully_initialized = True

    @force_full_init
    def _get_ori_dataset_idx(self, idx: int) -> int:
        return idx % self._ori_len

    @force_full_init
    def __len__(self) -> int:
        return self.times * self._ori_len


@DATASETS.register_module()
class ClassBalancedDataset(_RemappingWrapper):
    """Repeat samples of rare categories (repeat factor sampling, LVIS paper).

    A category seen in a fraction ``f`` of the samples gets the factor
    ``r(c) = max(1, sqrt(oversample_thr / f))``; a sample is repeated
    ``ceil(max r(c))`` times over its categories. The wrapped dataset must
    implement ``get_cat_ids(idx)``.
    """

    def __init__(
        self, dataset: BaseDataset | dict, oversample_thr: float, lazy_init: bool = False
    ) -> None:
        super().__init__(dataset)
        self.oversample_thr = oversample_thr
        if not lazy_init:
            self.full_init()

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        self.dataset.full_init()
        factors = self._get_repeat_factors(self.dataset, self.oversample_thr)
        self.repeat_indices: list[int] = []
        for dataset_idx, factor in enumerate(factors):
            self.repeat_indices.extend([dataset_idx] * math.ceil(factor))
        self._fully_initialized = True

    def _get_repeat_factors(self, dataset: BaseDataset, repeat_thr: float) -> list[float]:
        """The repeat factor of every sample of ``dataset``."""
        num_samples = len(dataset)
        cat_ids_per_sample = [set(dataset.get_cat_ids(idx)) for idx in range(num_samples)]
        frequency: dict[Any, int] = defaultdict(int)
        for cat_ids in cat_ids_per_sample:
            for cat_id in cat_ids:
                frequency[cat_id] += 1
        category_repeat = {
            cat_id: max(1.0, math.sqrt(repeat_thr / (count / num_samples)))
            for cat_id, count in frequency.items()
        }
        return [
            max(category_repeat[cat_id] for cat_id in cat_ids) if cat_ids else 1.0
            for cat_ids in cat_ids_per_sample
        ]

    @force_full_init
    def _get_ori_dataset_idx(self, idx: int) -> int:
        return self.repeat_indices[idx]

    @force_full_init
    def get_cat_ids(self, idx: int) -> list[int]:
        return self.dataset.get_cat_ids(self._get_ori_dataset_idx(idx))

    @force_full_init
    def __len__(self) -> int:
        return len(self.repeat_indices)
