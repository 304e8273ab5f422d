"""``InstanceData``: per-instance fields (boxes, labels, masks ...) of equal length.

Every data field holds one entry per instance, so the element can be indexed
like a list (int, slice) or like an array (bool mask, integer indices) and
concatenated with others, all fields at once.
"""

from __future__ import annotations

from collections.abc import Sequence, Sized
from typing import Any

import numpy as np
import torch

from treadle.structures.base_data_element import BaseDataElement

IndexType = str | slice | int | list | torch.Tensor | np.ndarray


class InstanceData(BaseDataElement):
    """Data fields of one length ``N`` (the number of instances), indexable and concatenable.

    Fields may be tensors, arrays, lists, tuples, strings, or any object with
    ``__len__``, ``__getitem__`` and a ``cat(list)`` method.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("_metainfo_fields", "_data_fields"):
            super().__setattr__(name, value)
            return
        if not isinstance(value, Sized):
            raise TypeError(
                f"InstanceData field {name!r} needs one entry per instance (a tensor, array, "
                f"list or other object with __len__), got {type(value).__name__}: {value!r}; "
                "store per-sample values with set_metainfo() instead"
            )
        length = len(self)
        if length > 0 and len(value) != length:
            raise ValueError(
                f"InstanceData field {name!r} has length {len(value)}, but the other fields "
                f"have length {length}; every data field must have one entry per instance"
            )
        super().__setattr__(name, value)

    __setitem__ = __setattr__

    def __len__(self) -> int:
        keys = self.keys()
        return len(getattr(self, keys[0])) if keys else 0

    def __getitem__(self, item: IndexType) -> Any:
        """``data['name']`` returns a field; any other index selects instances.

        Accepts an int (keeps the instance dimension), a slice, a bool mask or
        integer indices as a 1-D tensor, numpy array or list.
        """
        if isinstance(item, str):
            return getattr(self, item)
        index = self._normalize_index(item)
        selected = self.__class__(metainfo=self.metainfo)
        for key, value in self.items():
            selected[key] = _take(key, value, index)
        return selected

    def _normalize_index(self, item: Any) -> slice | torch.Tensor:
        length = len(self)
        if isinstance(item, bool):
            raise TypeError("InstanceData cannot be indexed by a bare bool; use a bool mask")
        if isinstance(item, (int, np.integer)):
            if not -length <= item < length:
                raise IndexError(
                    f"index {item} is out of range for InstanceData of length {length}"
                )
            start = int(item) % length
            return slice(start, start + 1)
        if isinstance(item, slice):
            return item
        if isinstance(item, list):
            item = np.asarray(item) if item else np.zeros(0, dtype=np.int64)
        if isinstance(item, np.ndarray):
            item = torch.from_numpy(item.astype(np.int64) if item.dtype.kind in "ui" else item)
        if not isinstance(item, torch.Tensor):
            raise TypeError(
                f"InstanceData index must be str, int, slice, list, numpy array or tensor, "
                f"got {type(item).__name__}"
            )
        if item.dim() != 1:
            raise IndexError(
                f"InstanceData index tensors must be 1-D (they select along the instance "
                f"dimension), got shape {tuple(item.shape)}"
            )
        if item.dtype == torch.bool:
            if len(item) != length:
                raise IndexError(
                    f"bool mask of length {len(item)} does not match "
                    f"InstanceData of length {length}"
                )
            return item
        if item.dtype.is_floating_point or item.dtype.is_complex:
            raise TypeError(f"InstanceData index tensors must be bool or integer, got {item.dtype}")
        return item.long()

    @staticmethod
    def cat(instances_list: Sequence[InstanceData]) -> InstanceData:
        """Concatenate instances: lengths ``N`` and ``M`` give ``N + M``; metainfo of the first."""
        if len(instances_list) == 0:
            raise ValueError("InstanceData.cat needs at least one InstanceData")
        for position, instances in enumerate(instances_list):
            if not isinstance(instances, InstanceData):
                raise TypeError(
                    f"InstanceData.cat: item {position} is a {type(instances).__name__}, "
                    "not an InstanceData"
                )
        if len(instances_list) == 1:
            return instances_list[0]
        first = instances_list[0]
        for position, instances in enumerate(instances_list[1:], start=1):
            if set(instances.all_keys()) != set(first.all_keys()):
                raise ValueError(
                    f"InstanceData.cat: item {position} has fields {sorted(instances.all_keys())}"
                    f" but item 0 has {sorted(first.all_keys())}; all items need the same fields"
                )
        joined = first.__class__(metainfo=first.metainfo)
        fields = first.keys()  # InstanceData iterates over instances, not keys
        for key in fields:
            joined[key] = _concat(key, [instances[key] for instances in instances_list])
        return joined


def _positions(index: torch.Tensor, length: int) -> list[int]:
    """Integer positions (non-negative) selected by a bool mask or index tensor."""
    if index.dtype == torch.bool:
        return torch.nonzero(index).view(-1).tolist()
    return [i % length if i < 0 else i for i in index.tolist()]


def _take(key: str, value: Any, index: slice | torch.Tensor) -> Any:
    if isinstance(index, slice):
        return value[index]
    if isinstance(value, torch.Tensor):
        return value[index.to(value.device)]
    if isinstance(value, np.ndarray):
        return value[index.cpu().numpy()]
    positions = _positions(index, len(value))
    if isinstance(value, str):
        return "".join(value[i] for i in positions)
    if isinstance(value, (list, tuple)):
        return type(value)(value[i] for i in positions)
    if hasattr(value, "__getitem__") and hasattr(value, "cat"):
        if not positions:
            return value[0:0]
        return value.cat([value[i : i + 1] for i in positions])
    raise TypeError(
        f"InstanceData field {key!r} is a {type(value).__name__}, which has no `cat` method, so "
        "it cannot be indexed by a mask or index list; give it __getitem__ and cat()"
    )


def _concat(key: str, values: list[Any]) -> Any:
    first = values[0]
    if isinstance(first, torch.Tensor):
        return torch.cat(values, dim=0)
    if isinstance(first, np.ndarray):
        return np.concatenate(values, axis=0)
    if isinstance(first, (str, list, tuple)):
        joined = first[:]
        for value in values[1:]:
            joined = joined + value
        return joined
    if hasattr(first, "cat"):
        return first.cat(values)
    raise TypeError(
        f"InstanceData field {key!r} is a {type(first).__name__}, which has no `cat` method, "
        "so it cannot be concatenated"
    )
