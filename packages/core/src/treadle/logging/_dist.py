"""Rank and world size without importing torch.

A process group can only exist once ``torch.distributed`` has been imported, so
when it has not been, this process is alone: rank 0 of 1. This keeps
``treadle.logging`` usable (and cheap) in torch-free tools.
"""

from __future__ import annotations

import os
import sys


def _initialised_dist():  # -> the torch.distributed module, or None
    dist = sys.modules.get("torch.distributed")
    if dist is None or not dist.is_available() or not dist.is_initialized():
        return None
    return dist


def rank_and_world_size() -> tuple[int, int]:
    """``(rank, world_size)`` of this process in the default group, ``(0, 1)`` without one."""
    dist = _initialised_dist()
    if dist is None:
        return 0, 1
    return dist.get_rank(), dist.get_world_size()


def device_id() -> int | str:
    """The accelerator this process uses (for per-rank log file names), else its local rank."""
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available():
        return local_rank
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    devices = visible.split(",") if visible else [str(i) for i in range(torch.cuda.device_count())]
    if local_rank >= len(devices):
        return local_rank
    entry = devices[local_rank].strip()
    return int(entry) if entry.isdigit() else entry  # MIG/UUID devices are named, not numbered
