"""``pseudo_collate``: turn a list of samples into one batch without stacking tensors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def pseudo_collate(data_batch: Sequence) -> Any:
    """Transpose a list of samples: dicts give a dict of lists, sequences a list of lists.

    Tensors are left as lists (not stacked), so samples of different sizes batch fine.
    """
    first = data_batch[0]
    if isinstance(first, Mapping):
        return type(first)({key: pseudo_collate([d[key] for d in data_batch]) for key in first})
    if isinstance(first, Sequence) and not isinstance(first, (str, bytes)):
        lengths = {len(sample) for sample in data_batch}
        if len(lengths) != 1:
            raise ValueError(
                f"cannot collate sequences of different lengths {sorted(lengths)} into a batch"
            )
        return [pseudo_collate(list(samples)) for samples in zip(*data_batch, strict=True)]
    return list(data_batch)
