"""Which device a nest of tensors lives on, and moving such a nest to another device.

A nest is a tensor, a mapping of nests or a sequence of nests (not a str or an
array). Errors name the position of the offending item (``data['img'][1]``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import torch

_NEST = "a Tensor, or a dict or sequence of them"


def _branches(data: Any) -> Iterable[tuple[str, Any]] | None:
    """``(position suffix, item)`` pairs of a container; None for anything else."""
    if isinstance(data, Mapping):
        return ((f"[{key!r}]", value) for key, value in data.items())
    if isinstance(data, Iterable) and not isinstance(data, (str, bytes, np.ndarray)):
        return ((f"[{index}]", item) for index, item in enumerate(data))
    return None


def get_data_device(data: Any) -> torch.device:
    """The device of ``data``'s tensors; every tensor of the nest must share it.

    Raises ``ValueError`` for tensors on different devices or an empty container, and
    ``TypeError`` for an item that is not a tensor or container.
    """
    return _device(data, "data")


def _device(data: Any, where: str) -> torch.device:
    if isinstance(data, torch.Tensor):
        return data.device
    branches = _branches(data)
    if branches is None:
        raise TypeError(f"{where} must be {_NEST}, got {type(data).__name__}: {data!r}")
    found: tuple[str, torch.device] | None = None
    for suffix, item in branches:
        device = _device(item, where + suffix)
        if found is None:
            found = (where + suffix, device)
        elif device != found[1]:
            raise ValueError(
                f"the tensors of data are on different devices: {found[0]} on {found[1]}, "
                f"{where + suffix} on {device}"
            )
    if found is None:
        raise ValueError(f"{where} is an empty {type(data).__name__}; it holds no tensor")
    return found[1]


def cast_data_device(data: Any, device: torch.device | str, out: Any = None) -> Any:
    """``data`` with every tensor on ``device``, in containers of the same types.

    Tensors already there are returned as they are (not copied). With ``out`` (a nest
    of the same structure and types) each result is also copied into the matching
    tensor of ``out``, in place.
    """
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device {device!r} is not a torch device: {exc}") from None
    return _cast(data, device, out, "")


def _cast(data: Any, device: torch.device, out: Any, path: str) -> Any:
    """Cast the item at ``path`` (``"['img'][1]"``; ``""`` for the whole of data)."""
    if out is not None:
        if type(out) is not type(data):
            raise TypeError(
                f"out must mirror data: data{path} is a {type(data).__name__} but out{path} "
                f"is a {type(out).__name__}"
            )
        if isinstance(out, (set, frozenset)):
            raise TypeError(f"out{path} is a set, whose items cannot be written in order")
    if isinstance(data, torch.Tensor):
        moved = data if data.device == device else data.to(device)
        if out is not None:
            out.copy_(moved)
        return moved
    if isinstance(data, Mapping):
        if out is not None and out.keys() != data.keys():
            raise ValueError(
                f"out must mirror data: data{path} has keys {list(data)}, out{path} has {list(out)}"
            )
        cast = {
            key: _cast(value, device, None if out is None else out[key], f"{path}[{key!r}]")
            for key, value in data.items()
        }
        return _rebuilt(data, cast, path)
    if _branches(data) is None:
        raise TypeError(f"data{path} must be {_NEST}, got {type(data).__name__}: {data!r}")
    items = list(data)
    targets = [None] * len(items) if out is None else list(out)
    if len(targets) != len(items):
        raise ValueError(
            f"out must mirror data: data{path} has {len(items)} items, out{path} has {len(targets)}"
        )
    cast_items = [
        _cast(item, device, target, f"{path}[{index}]")
        for index, (item, target) in enumerate(zip(items, targets, strict=True))
    ]
    return _rebuilt(data, cast_items, path)


def _rebuilt(data: Any, cast: dict | list, path: str) -> Any:
    """A container of ``data``'s type holding ``cast``."""
    if not cast:
        raise ValueError(f"data{path} is an empty {type(data).__name__}; it holds no tensor")
    if isinstance(cast, dict):
        return type(data)(cast)
    if hasattr(data, "_fields"):  # a namedtuple takes its fields as arguments
        return type(data)(*cast)
    try:
        return type(data)(cast)
    except TypeError:
        raise TypeError(
            f"cannot rebuild data{path}, a {type(data).__name__}, from a list of its items; "
            "pass a list, tuple or dict"
        ) from None
