"""Rank, world size and a shared seed, read from ``torch.distributed``.

A private stand-in used by the samplers until ``treadle.dist`` exists; it keeps
the samplers' behaviour identical in one process and under ``torchrun``.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.distributed as dist


def _initialized() -> bool:
    return dist.is_available() and dist.is_initialized()


def get_dist_info() -> tuple[int, int]:
    """``(rank, world_size)`` of the default process group; ``(0, 1)`` without one."""
    if not _initialized():
        return 0, 1
    return dist.get_rank(), dist.get_world_size()


def sync_random_seed() -> int:
    """A random seed drawn on rank 0 and broadcast, so every rank shuffles alike."""
    seed = int(np.random.randint(2**31))
    rank, world_size = get_dist_info()
    if world_size == 1:
        return seed
    device = "cuda" if dist.get_backend() == "nccl" else "cpu"
    value = torch.tensor(seed if rank == 0 else 0, dtype=torch.int64, device=device)
    dist.broadcast(value, src=0)
    return int(value.item())
