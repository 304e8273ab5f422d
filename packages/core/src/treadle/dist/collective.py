"""Collective communication that also works, unchanged, in a single process.

Tensors are moved to the device the backend communicates on (CUDA for NCCL, the
CPU otherwise) and results are moved back, so callers need not know the backend.
In a single process every function returns what a one-process group would.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import torch
import torch.distributed as torch_dist

from treadle.dist.info import ProcessGroup, get_comm_device, get_rank, get_world_size

_REDUCE_OPS = {
    "sum": torch_dist.ReduceOp.SUM,
    "product": torch_dist.ReduceOp.PRODUCT,
    "min": torch_dist.ReduceOp.MIN,
    "max": torch_dist.ReduceOp.MAX,
    "band": torch_dist.ReduceOp.BAND,
    "bor": torch_dist.ReduceOp.BOR,
    "bxor": torch_dist.ReduceOp.BXOR,
}


_OBJECT_VARIANTS = {
    "all_gather": "all_gather_object()",
    "gather": "gather_object()",
    "broadcast": "broadcast_object_list()",
}


def _check_tensor(data: Any, func: str, where: str = "") -> None:
    if not isinstance(data, torch.Tensor):
        variant = _OBJECT_VARIANTS.get(func)
        hint = f"; use {variant} for other picklable objects" if variant else ""
        raise TypeError(f"{func}() communicates tensors, got {type(data).__name__}{where}{hint}")


def _check_op(op: str) -> str:
    name = op.lower() if isinstance(op, str) else op
    if name != "mean" and name not in _REDUCE_OPS:
        raise ValueError(f"unknown reduce op {op!r}; choose one of {['mean', *_REDUCE_OPS]}")
    return name


def _to_comm_device(data: torch.Tensor, group: ProcessGroup | None) -> torch.Tensor:
    return data.to(get_comm_device(group))


def all_reduce(data: torch.Tensor, op: str = "sum", group: ProcessGroup | None = None) -> None:
    """Reduce ``data`` across processes in place (``op``: sum, mean, product, min, max ...)."""
    _check_tensor(data, "all_reduce")
    op = _check_op(op)
    world_size = get_world_size(group)
    if world_size == 1:
        return
    work = _to_comm_device(data, group)
    if op == "mean":
        torch_dist.all_reduce(work, torch_dist.ReduceOp.SUM, group=group)
        work = torch.true_divide(work, world_size)
    else:
        torch_dist.all_reduce(work, _REDUCE_OPS[op], group=group)
    if work is not data:
        data.copy_(work)


def all_reduce_params(
    params: Iterable[torch.Tensor],
    coalesce: bool = True,
    bucket_size_mb: int = -1,
    op: str = "sum",
    group: ProcessGroup | None = None,
) -> None:
    """All-reduce parameters or buffers (``model.buffers()``) in place, through ``.data``.

    With ``coalesce`` the tensors are flattened into one tensor per dtype and device
    (per bucket of at most ``bucket_size_mb`` MiB when that is positive; a tensor
    larger than the bucket gets a bucket of its own) and each is reduced in one
    call; otherwise each tensor is reduced on its own. A no-op in one process.
    """
    if not isinstance(bucket_size_mb, int) or isinstance(bucket_size_mb, bool):
        raise TypeError(
            f"bucket_size_mb must be an int (MiB; <= 0: no limit), got "
            f"{type(bucket_size_mb).__name__}: {bucket_size_mb!r}"
        )
    op = _check_op(op)
    if isinstance(params, torch.Tensor):
        raise TypeError(
            "all_reduce_params() takes an iterable of tensors (model.parameters()); "
            "use all_reduce() for a single tensor"
        )
    tensors = []
    for index, param in enumerate(params):
        _check_tensor(param, "all_reduce_params", f" at position {index} of params")
        tensors.append(param.data)
    if get_world_size(group) == 1:
        return
    if not coalesce:
        for tensor in tensors:
            all_reduce(tensor, op=op, group=group)
        return
    for bucket in _buckets(tensors, bucket_size_mb * 1024 * 1024):
        flat = torch.cat([tensor.reshape(-1) for tensor in bucket])
        all_reduce(flat, op=op, group=group)
        for tensor, piece in zip(bucket, flat.split([t.numel() for t in bucket]), strict=True):
            tensor.copy_(piece.view_as(tensor))


def _buckets(tensors: list[torch.Tensor], limit_bytes: int) -> list[list[torch.Tensor]]:
    """Tensors grouped by dtype and device, each group cut at ``limit_bytes`` if > 0."""
    groups: dict[tuple[torch.dtype, torch.device], list[list[torch.Tensor]]] = {}
    filled: dict[tuple[torch.dtype, torch.device], int] = {}  # bytes in each group's last bucket
    for tensor in tensors:
        key = (tensor.dtype, tensor.device)
        size = tensor.numel() * tensor.element_size()
        buckets = groups.setdefault(key, [])
        if not buckets or (limit_bytes > 0 and filled[key] + size > limit_bytes):
            buckets.append([])
            filled[key] = 0
        buckets[-1].append(tensor)
        filled[key] += size
    return [bucket for buckets in groups.values() for bucket in buckets]


def all_reduce_dict(
    data: dict[str, torch.Tensor], op: str = "sum", group: ProcessGroup | None = None
) -> None:
    """All-reduce every tensor of a dict in place, in one communication.

    Keys are reduced in sorted order; every process must hold the same keys (checked on
    every rank, so a mismatch fails everywhere instead of hanging).
    """
    if not isinstance(data, dict):
        raise TypeError(f"all_reduce_dict() needs a dict of tensors, got {type(data).__name__}")
    for key, value in data.items():
        _check_tensor(value, "all_reduce_dict", f" for key {key!r}")
    op = _check_op(op)
    if get_world_size(group) == 1:
        return
    keys = sorted(data)
    key_lists = all_gather_object(keys, group=group)
    for rank, rank_keys in enumerate(key_lists):
        if rank_keys != key_lists[0]:
            raise ValueError(
                f"all_reduce_dict(): rank {rank} has keys {rank_keys} but rank 0 has "
                f"{key_lists[0]}; every process must reduce the same keys"
            )
    if not keys:
        return
    flat = torch.cat([data[key].flatten() for key in keys])
    all_reduce(flat, op=op, group=group)
    pieces = torch.split(flat, [data[key].numel() for key in keys])
    for key, piece in zip(keys, pieces, strict=True):
        data[key] = piece.reshape(data[key].shape).to(data[key].dtype)


def all_gather(data: torch.Tensor, group: ProcessGroup | None = None) -> list[torch.Tensor]:
    """Every process's ``data`` (same shape on each), in rank order; ``[data]`` in one process."""
    _check_tensor(data, "all_gather")
    world_size = get_world_size(group)
    if world_size == 1:
        return [data]
    work = _to_comm_device(data, group)
    gathered = [torch.empty_like(work) for _ in range(world_size)]
    torch_dist.all_gather(gathered, work, group=group)
    return [tensor.to(data.device) for tensor in gathered]


def gather(
    data: torch.Tensor, dst: int = 0, group: ProcessGroup | None = None
) -> list[torch.Tensor]:
    """Every process's ``data`` collected on rank ``dst`` (others get ``[]``)."""
    _check_tensor(data, "gather")
    world_size = get_world_size(group)
    if world_size == 1:
        return [data]
    work = _to_comm_device(data, group)
    is_dst = get_rank(group) == dst
    gathered = [torch.empty_like(work) for _ in range(world_size)] if is_dst else None
    torch_dist.gather(work, gathered, dst=dst, group=group)
    return [tensor.to(data.device) for tensor in gathered] if gathered is not None else []


def broadcast(data: torch.Tensor, src: int = 0, group: ProcessGroup | None = None) -> None:
    """Overwrite ``data`` in place with rank ``src``'s tensor."""
    _check_tensor(data, "broadcast")
    if get_world_size(group) == 1:
        return
    work = _to_comm_device(data, group)
    torch_dist.broadcast(work, src=src, group=group)
    if work is not data:
        data.copy_(work)


def broadcast_object_list(data: list, src: int = 0, group: ProcessGroup | None = None) -> None:
    """Overwrite the items of ``data`` in place with rank ``src``'s (any picklable objects)."""
    if not isinstance(data, list):
        raise TypeError(f"broadcast_object_list() needs a list, got {type(data).__name__}")
    if get_world_size(group) == 1:
        return
    device = get_comm_device(group)
    torch_dist.broadcast_object_list(data, src=src, group=group, device=device)


def all_gather_object(data: Any, group: ProcessGroup | None = None) -> list[Any]:
    """Every process's picklable ``data``, in rank order; ``[data]`` in one process."""
    world_size = get_world_size(group)
    if world_size == 1:
        return [data]
    gathered: list[Any] = [None] * world_size
    torch_dist.all_gather_object(gathered, data, group=group)
    return gathered


def gather_object(data: Any, dst: int = 0, group: ProcessGroup | None = None) -> list[Any] | None:
    """Every process's picklable ``data`` on rank ``dst``; None on the other ranks."""
    world_size = get_world_size(group)
    if world_size == 1:
        return [data]
    is_dst = get_rank(group) == dst
    gathered: list[Any] | None = [None] * world_size if is_dst else None
    torch_dist.gather_object(data, gathered, dst=dst, group=group)
    return gathered


def sync_random_seed(group: ProcessGroup | None = None) -> int:
    """A random seed drawn on rank 0 and shared by every process (for samplers)."""
    seed = int(np.random.randint(2**31))
    if get_world_size(group) == 1:
        return seed
    holder = torch.tensor(seed if get_rank(group) == 0 else 0, dtype=torch.int64)
    broadcast(holder, src=0, group=group)
    return int(holder.item())
