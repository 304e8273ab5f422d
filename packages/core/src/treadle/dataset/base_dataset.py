"""``BaseDataset``: an OpenMMLab 2.0 annotation file turned into pipeline-ready samples.

An annotation file is a dict with ``metainfo`` (dataset-level facts such as
``classes``) and ``data_list`` (one dict per raw sample). The dataset joins
paths with ``data_root``/``data_prefix``, filters and subsets the list, and by
default packs it into two numpy arrays (see :mod:`treadle.dataset.serialize`)
so forked DataLoader workers share it instead of copying it.
"""

from __future__ import annotations

import copy
import functools
import operator
import os.path as osp
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

import numpy as np
from torch.utils.data import Dataset

from treadle.dataset import serialize
from treadle.dataset.compose import Compose

F = TypeVar("F", bound=Callable[..., Any])


def force_full_init(method: F) -> F:
    """Run ``self.full_init()`` first if the dataset (or wrapper) was built lazily."""

    @functools.wraps(method)
    def wrapper(obj: Any, *args: Any, **kwargs: Any) -> Any:
        if not getattr(obj, "_fully_initialized", False):
            if not hasattr(obj, "full_init"):
                raise AttributeError(
                    f"{type(obj).__name__}.{method.__name__} uses @force_full_init, but "
                    f"{type(obj).__name__} has no full_init() method"
                )
            obj.full_init()
            obj._fully_initialized = True
        return method(obj, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _is_abs(path: str) -> bool:
    return osp.isabs(path) or "://" in path


def _join(prefix: str, path: str) -> str:
    if "://" in prefix:
        from treadle.fileio import join_path

        return join_path(prefix, path)
    return osp.join(prefix, path)


class BaseDataset(Dataset):
    """A map-style dataset read from an OpenMMLab 2.0 annotation file.

    Args:
        ann_file: annotation file (json/yaml/pickle, local path or URI); relative
            paths are joined to ``data_root``.
        metainfo: overrides for :attr:`METAINFO` and the file's ``metainfo``. A str
            value naming an existing file is read as a list of lines.
        data_root: root joined to ``ann_file`` and to every relative ``data_prefix``.
        data_prefix: ``{key: prefix}``; each record's ``key`` path is joined to it.
        filter_cfg: settings for :meth:`filter_data` (subclasses define them).
        indices: keep only these samples (an int: the first n, negative: the last n).
        serialize_data: pack the data list into numpy buffers (shared by workers).
        pipeline: transforms (callables or ``TRANSFORMS`` cfg dicts).
        test_mode: a pipeline returning None is an error instead of a refetch.
        lazy_init: defer reading the annotation file until :meth:`full_init`.
        max_refetch: how many other samples to try when the pipeline returns None.
    """

    METAINFO: ClassVar[dict] = {}
    _fully_initialized: bool = False

    def __init__(
        self,
        ann_file: str | None = "",
        metainfo: Mapping | None = None,
        data_root: str | None = "",
        data_prefix: dict = dict(img_path=""),  # noqa: B006 - never mutated (copied below)
        filter_cfg: dict | None = None,
        indices: int | Sequence[int] | None = None,
        serialize_data: bool = True,
        pipeline: Sequence[dict | Callable] = [],
        test_mode: bool = False,
        lazy_init: bool = False,
        max_refetch: int = 1000,
    ) -> None:
        self.ann_file = ann_file  # None stays None, as in MMEngine (both read as "no file")
        self._metainfo = self._load_metainfo(copy.deepcopy(metainfo))
        self.data_root = data_root
        self.data_prefix = copy.copy(data_prefix)
        self.filter_cfg = copy.deepcopy(filter_cfg)
        self._indices = indices
        self.serialize_data = serialize_data
        self.test_mode = test_mode
        self.max_refetch = max_refetch
        self.data_list: list[dict] = []
        self.data_bytes: np.ndarray
        self.data_address: np.ndarray
        self._join_prefix()
        self.pipeline = Compose(pipeline)
        if not lazy_init:
            self.full_init()

    # ----------------------------------------------------------- metainfo
    @classmethod
    def _load_metainfo(cls, metainfo: Mapping | None = None) -> dict:
        """``cls.METAINFO`` updated with ``metainfo`` (a copy; both are left alone)."""
        merged = copy.deepcopy(cls.METAINFO)
        if metainfo is None:
            return merged
        if not isinstance(metainfo, Mapping):
            raise TypeError(f"metainfo must be a dict, got {type(metainfo).__name__}: {metainfo!r}")
        for key, value in metainfo.items():
            if isinstance(value, str) and osp.isfile(value):
                from treadle.fileio import list_from_file

                value = list_from_file(value)
            merged[key] = value
        return merged

    @property
    def metainfo(self) -> dict:
        """The dataset's meta information (a deep copy: edit it freely)."""
        return copy.deepcopy(self._metainfo)

    # --------------------------------------------------------------- init
    def _join_prefix(self) -> None:
        if self.ann_file and not _is_abs(self.ann_file) and self.data_root:
            self.ann_file = _join(self.data_root, self.ann_file)
        for key, prefix in self.data_prefix.items():
            if not isinstance(prefix, str):
                raise TypeError(
                    f"data_prefix[{key!r}] must be a str path, got {type(prefix).__name__}: "
                    f"{prefix!r}"
                )
            if not _is_abs(prefix) and self.data_root:
                self.data_prefix[key] = _join(self.data_root, prefix)

    def full_init(self) -> None:
        """Load, filter, subset and (optionally) serialize the data list; once."""
        if self._fully_initialized:
            return
        self.data_list = self.load_data_list()
        self.data_list = self.filter_data()
        if self._indices is not None:
            indices = self._indices
            if isinstance(indices, int) and abs(indices) > len(self.data_list):
                indices = None  # a cap above the size (a debug run's indices=100): keep all
            if indices is not None:
                self.data_list = self._get_unserialized_subset(indices)
        if self.serialize_data:
            self.data_bytes, self.data_address = self._serialize_data()
        self._fully_initialized = True

    def load_data_list(self) -> list[dict]:
        """Read ``ann_file`` and parse every raw record with :meth:`parse_data_info`.

        Override this to read annotation files of another layout.
        """
        if not self.ann_file:
            raise ValueError(
                f"{type(self).__name__} has no ann_file: pass ann_file=... (an OpenMMLab 2.0 "
                f"annotation file with 'metainfo' and 'data_list'), or override load_data_list()"
            )
        from treadle.fileio import load

        annotations = load(self.ann_file)
        if not isinstance(annotations, dict):
            raise TypeError(
                f"annotation file {self.ann_file!r} must hold a dict with 'metainfo' and "
                f"'data_list', but it holds a {type(annotations).__name__}"
            )
        missing = [key for key in ("data_list", "metainfo") if key not in annotations]
        if missing:
            raise ValueError(
                f"annotation file {self.ann_file!r} lacks {' and '.join(map(repr, missing))} "
                f"(its keys: {sorted(map(str, annotations))}). An OpenMMLab 2.0 annotation "
                f"file is a dict with 'metainfo' (a dict) and 'data_list' (a list of dicts); "
                f"convert the file, or override load_data_list() to read its layout"
            )
        file_metainfo = annotations["metainfo"]
        raw_data_list = annotations["data_list"]
        if not isinstance(file_metainfo, dict) or not isinstance(raw_data_list, list):
            raise TypeError(
                f"annotation file {self.ann_file!r}: 'metainfo' must be a dict and "
                f"'data_list' a list, got {type(file_metainfo).__name__} and "
                f"{type(raw_data_list).__name__}"
            )
        for key, value in file_metainfo.items():
            self._metainfo.setdefault(key, value)  # user and class METAINFO take priority

        data_list: list[dict] = []
        for position, raw_data_info in enumerate(raw_data_list):
            data_info = self.parse_data_info(raw_data_info)
            if isinstance(data_info, dict):
                data_list.append(data_info)
            elif isinstance(data_info, list) and all(isinstance(d, dict) for d in data_info):
                data_list.extend(data_info)
            else:
                raise TypeError(
                    f"{type(self).__name__}.parse_data_info must return a dict or a list of "
                    f"dicts; for data_list[{position}] of {self.ann_file!r} it returned "
                    f"{type(data_info).__name__}"
                )
        return data_list

    def parse_data_info(self, raw_data_info: dict) -> dict | list[dict]:
        """One raw record -> one sample (or several): joins each ``data_prefix`` path."""
        for key, prefix in self.data_prefix.items():
            if key not in raw_data_info:
                raise ValueError(
                    f"a record of annotation file {self.ann_file!r} has no key {key!r}, which "
                    f"data_prefix={self.data_prefix!r} expects (record keys: "
                    f"{sorted(raw_data_info)}); fix the file or pass a data_prefix without "
                    f"{key!r}"
                )
            raw_data_info[key] = _join(prefix, raw_data_info[key])
        return raw_data_info

    def filter_data(self) -> list[dict]:
        """Drop unwanted samples according to ``filter_cfg``; keeps all by default."""
        return self.data_list

    def _serialize_data(self) -> tuple[np.ndarray, np.ndarray]:
        """Pack ``data_list`` into ``(data_bytes, data_address)`` and drop the list."""
        data_bytes, data_address = serialize.pack(self.data_list)
        self.data_list = []
        return data_bytes, data_address

    # ------------------------------------------------------------- access
    def get_cat_ids(self, idx: int) -> list[int]:
        """Category ids of sample ``idx`` (needed by :class:`ClassBalancedDataset`)."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement get_cat_ids(idx) to be used with "
            f"ClassBalancedDataset"
        )

    @force_full_init
    def __len__(self) -> int:
        return len(self.data_address) if self.serialize_data else len(self.data_list)

    def get_data_info(self, idx: int) -> dict:
        """A fresh copy of sample ``idx``'s data info, with ``sample_idx`` set."""
        if not self._fully_initialized:  # @force_full_init, inlined: this is the hot path
            self.full_init()
        asked = operator.index(idx)
        length = len(self.data_address) if self.serialize_data else len(self.data_list)
        idx = asked + length if asked < 0 else asked
        if not 0 <= idx < length:
            raise IndexError(f"index {asked} is out of range for a dataset of {length} samples")
        if self.serialize_data:
            data_info = serialize.unpack(self.data_bytes, self.data_address, idx)
        else:
            data_info = copy.deepcopy(self.data_list[idx])
        data_info["sample_idx"] = idx
        return data_info

    def prepare_data(self, idx: int) -> Any:
        """Sample ``idx`` after the pipeline (None if a transform gave up on it)."""
        return self.pipeline(self.get_data_info(idx))

    def _rand_another(self) -> int:
        return int(np.random.randint(0, len(self)))

    def __getitem__(self, idx: int) -> Any:
        if not self._fully_initialized:
            warnings.warn(
                f"{type(self).__name__} was built with lazy_init=True and is being fully "
                f"initialized by __getitem__; call full_init() before handing it to a "
                f"DataLoader, or every worker reads the annotation file itself",
                stacklevel=2,
            )
            self.full_init()
        data = self.prepare_data(idx)
        if data is not None:
            return data
        if self.test_mode:
            raise RuntimeError(
                f"the test pipeline of {type(self).__name__} returned None for sample "
                f"{idx}; in test_mode every sample must pass the pipeline"
            )
        for _ in range(self.max_refetch):
            data = self.prepare_data(self._rand_another())
            if data is not None:
                return data
        raise RuntimeError(
            f"the pipeline of {type(self).__name__} returned None for {self.max_refetch + 1} "
            f"samples in a row (max_refetch={self.max_refetch}); check the data paths and "
            f"the pipeline"
        )

    # ------------------------------------------------------------ subsets
    def _check_indices(self, indices: Any, length: int) -> int | list[int]:
        if isinstance(indices, (int, np.integer)) and not isinstance(indices, bool):
            count = int(indices)
            if abs(count) > length:
                raise ValueError(
                    f"indices={count} asks for {abs(count)} samples of a dataset of {length}"
                )
            return count
        if isinstance(indices, (Sequence, np.ndarray)) and not isinstance(indices, str):
            checked = []
            for idx in indices:
                position = operator.index(idx)
                if not -length <= position < length:
                    raise IndexError(
                        f"index {position} in indices is out of range for a dataset of "
                        f"{length} samples"
                    )
                checked.append(position % length)
            return checked
        raise TypeError(
            f"indices must be an int or a sequence of ints, got {type(indices).__name__}: "
            f"{indices!r}"
        )

    def _get_unserialized_subset(self, indices: int | Sequence[int]) -> list[dict]:
        checked = self._check_indices(indices, len(self.data_list))
        if isinstance(checked, int):
            return self.data_list[:checked] if checked >= 0 else self.data_list[checked:]
        return [self.data_list[idx] for idx in checked]

    def _get_serialized_subset(self, indices: int | Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        checked = self._check_indices(indices, len(self.data_address))
        if isinstance(checked, int):
            pick = serialize.head if checked >= 0 else serialize.tail
            return pick(self.data_bytes, self.data_address, abs(checked))
        return serialize.take(self.data_bytes, self.data_address, checked)

    @force_full_init
    def get_subset_(self, indices: int | Sequence[int]) -> None:
        """Keep only ``indices`` (an int: the first n, negative: the last n), in place."""
        if self.serialize_data:
            self.data_bytes, self.data_address = self._get_serialized_subset(indices)
        else:
            self.data_list = self._get_unserialized_subset(indices)

    @force_full_init
    def get_subset(self, indices: int | Sequence[int]) -> BaseDataset:
        """A copy of this dataset holding only ``indices`` (see :meth:`get_subset_`)."""
        subset = self._copy_without_annotation()
        if self.serialize_data:
            subset.data_bytes, subset.data_address = self._get_serialized_subset(indices)
        else:
            subset.data_list = self._get_unserialized_subset(indices)
        return subset

    def _copy_without_annotation(self) -> BaseDataset:
        """A deep copy of everything but the (possibly large) data list and buffers."""
        other = type(self).__new__(type(self))
        skipped = {"data_list", "data_bytes", "data_address"}
        for key, value in self.__dict__.items():
            if key not in skipped:
                other.__dict__[key] = copy.deepcopy(value)
        other.data_list = []
        return other
