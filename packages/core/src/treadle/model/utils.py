"""Helpers for models: batching for data preprocessors, and ``merge_dict``."""

from __future__ import annotations

import math

import torch
import torch.fx
import torch.nn.functional as F


def stack_batch(
    tensor_list: list[torch.Tensor], pad_size_divisor: int = 1, pad_value: float = 0
) -> torch.Tensor:
    """Stack tensors of equal rank, padding each at the end of every dim but the first.

    The padded size of a dim is the batch maximum rounded up to a multiple of
    ``pad_size_divisor``; the first dim (channels) must already agree.
    """
    if not isinstance(tensor_list, list) or not tensor_list:
        raise TypeError(f"stack_batch expects a non-empty list of tensors, got {tensor_list!r}")
    ranks = {tensor.dim() for tensor in tensor_list}
    if len(ranks) != 1:
        raise ValueError(f"stack_batch needs tensors of one rank, got ranks {sorted(ranks)}")
    if pad_size_divisor < 1:
        raise ValueError(f"pad_size_divisor must be a positive int, got {pad_size_divisor!r}")
    shapes = [tuple(tensor.shape) for tensor in tensor_list]
    if len({shape[0] for shape in shapes}) != 1:
        raise ValueError(f"stack_batch pads all dims but the first, which differs: {shapes}")
    rank = ranks.pop()
    target = [max(shape[d] for shape in shapes) for d in range(rank)]
    target[1:] = [math.ceil(size / pad_size_divisor) * pad_size_divisor for size in target[1:]]
    padded = []
    for tensor, shape in zip(tensor_list, shapes, strict=True):
        pad: list[int] = []  # F.pad order: last dim first, (before, after) pairs
        for d in reversed(range(1, rank)):
            pad += [0, target[d] - shape[d]]
        padded.append(F.pad(tensor, pad, value=pad_value) if any(pad) else tensor)
    return torch.stack(padded)


def merge_dict(*args: dict) -> dict:
    """One dict from ``args``, later ones winning: ``dict.update`` in a form that
    ``torch.fx.symbolic_trace`` keeps as one call instead of tracing into it."""
    merged: dict = {}
    for item in args:
        if not isinstance(item, dict):
            raise TypeError(f"merge_dict merges dicts, got {type(item).__name__}: {item!r}")
        merged.update(item)
    return merged


torch.fx.wrap("merge_dict")


def named_submodules(
    model: torch.nn.Module, names: str | list[str], option: str
) -> list[tuple[str, torch.nn.Module]]:
    """``(name, submodule)`` for each dotted name in ``names`` (a config ``option`` such as
    ``activation_checkpointing`` lists them); an unknown name is a ``KeyError`` naming it."""
    known = dict(model.named_modules())
    found = []
    for name in [names] if isinstance(names, str) else list(names):
        if name not in known or not name:
            raise KeyError(
                f"{option}: {name!r} is not a submodule of {type(model).__name__}; its "
                f"children are {list(model._modules)}"
            )
        found.append((name, known[name]))
    return found
