"""Collate functions for ``DataLoader(collate_fn=...)``, registered in ``FUNCTIONS``.

``pseudo_collate`` (the runner's default) only regroups a batch: a list of
sample dicts becomes a dict of lists. ``default_collate`` also stacks tensors,
arrays and numbers along a new batch dimension, like PyTorch's, but leaves
strings, bytes and data elements (``treadle.structures``) as lists.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from torch.utils.data import default_collate as _torch_default_collate

from treadle.registry import FUNCTIONS

COLLATE_FUNCTIONS = FUNCTIONS  # MMEngine's alias


def _data_element_type() -> type | None:
    # No BaseDataElement can exist before treadle.structures is imported, so looking
    # in sys.modules (instead of importing it) is exact and costs nothing.
    return getattr(sys.modules.get("treadle.structures"), "BaseDataElement", None)


def _collate(data_batch: Sequence, leaf: Callable[[Sequence], Any], keep: tuple) -> Any:
    item = data_batch[0]
    item_type = type(item)
    if isinstance(item, keep):
        return data_batch
    if isinstance(item, tuple) and hasattr(item, "_fields"):  # a namedtuple
        return item_type(
            *(_collate(samples, leaf, keep) for samples in zip(*data_batch, strict=True))
        )
    if isinstance(item, Sequence):
        size = len(item)
        if any(len(sample) != size for sample in data_batch):
            raise RuntimeError(
                f"cannot collate a batch of sequences of different lengths: "
                f"{[len(sample) for sample in data_batch]}"
            )
        transposed = [_collate(samples, leaf, keep) for samples in zip(*data_batch, strict=True)]
        if isinstance(item, tuple):
            return transposed  # a list, as PyTorch does
        try:
            return item_type(transposed)
        except TypeError:  # e.g. range cannot be built from a list
            return transposed
    if isinstance(item, Mapping):
        return item_type(
            {key: _collate([sample[key] for sample in data_batch], leaf, keep) for key in item}
        )
    return leaf(data_batch)


def _keep_types() -> tuple:
    element = _data_element_type()
    return (str, bytes) if element is None else (str, bytes, element)


@FUNCTIONS.register_module()
def pseudo_collate(data_batch: Sequence) -> Any:
    """Regroup a batch without stacking: ``[{'a': x0}, {'a': x1}]`` -> ``{'a': [x0, x1]}``.

    Sequences are transposed and mappings regrouped recursively; everything else
    (tensors, arrays, numbers, data elements) stays as the batch holds it: a list of the
    batch's items, or a tuple of them under a sequence (MMEngine's grouping).
    """
    return _collate(data_batch, _as_given, _keep_types())


def _as_given(items: Sequence) -> Sequence:
    return items


@FUNCTIONS.register_module()
def default_collate(data_batch: Sequence) -> Any:
    """Regroup like :func:`pseudo_collate`, and stack tensors, numpy arrays and numbers
    into batched tensors (PyTorch's ``default_collate``); strings, bytes and
    ``BaseDataElement`` objects stay lists."""
    return _collate(data_batch, _torch_default_collate, _keep_types())


def collate_fn_from_cfg(cfg: Mapping | str | Callable | None) -> Callable:
    """The collate function a dataloader config names: ``dict(type='default_collate',
    **kwargs)``, a registered name, a callable, or None for ``pseudo_collate``."""
    import functools

    if cfg is None:
        return pseudo_collate
    if isinstance(cfg, str):
        return FUNCTIONS.get(cfg)
    if isinstance(cfg, Mapping):
        kwargs = dict(cfg)
        if "type" not in kwargs:
            raise KeyError(f"collate_fn config {dict(cfg)!r} has no 'type' (e.g. 'pseudo_collate')")
        fn = kwargs.pop("type")
        fn = FUNCTIONS.get(fn) if isinstance(fn, str) else fn
        return functools.partial(fn, **kwargs) if kwargs else fn
    return cfg
