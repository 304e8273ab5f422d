"""Where this process stands: rank, world size, backend; each works without a process group.

Without an initialised default process group every query answers as a single
process would (rank 0, world size 1, main process), so code written for
distributed runs also runs unchanged in one process.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

import torch
import torch.distributed as torch_dist

F = TypeVar("F", bound=Callable[..., Any])
ProcessGroup = Any  # torch_dist.ProcessGroup; typed loosely to keep signatures portable


def is_distributed() -> bool:
    """True when torch.distributed is available and a default process group exists."""
    return torch_dist.is_available() and torch_dist.is_initialized()


def get_default_group() -> ProcessGroup | None:
    """The default process group, or None outside a distributed run."""
    return torch_dist.distributed_c10d._get_default_group() if is_distributed() else None


def get_backend(group: ProcessGroup | None = None) -> str | None:
    """The communication backend (``'gloo'``, ``'nccl'`` ...), or None outside a distributed run."""
    return str(torch_dist.get_backend(group)) if is_distributed() else None


def get_world_size(group: ProcessGroup | None = None) -> int:
    """Number of processes in ``group`` (default group); 1 outside a distributed run."""
    return torch_dist.get_world_size(group) if is_distributed() else 1


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in ``group`` (default group); 0 outside a distributed run."""
    return torch_dist.get_rank(group) if is_distributed() else 0


def get_local_rank() -> int:
    """This process's rank on its machine (``LOCAL_RANK``, set by torchrun and ``init_dist``)."""
    return int(os.environ.get("LOCAL_RANK", 0)) if is_distributed() else 0


def get_local_size() -> int:
    """Number of processes on this machine (``LOCAL_WORLD_SIZE``); 1 outside a distributed run."""
    if not is_distributed():
        return 1
    return int(os.environ.get("LOCAL_WORLD_SIZE", get_world_size()))


def get_dist_info(group: ProcessGroup | None = None) -> tuple[int, int]:
    """``(rank, world_size)`` of this process."""
    return get_rank(group), get_world_size(group)


def is_main_process(group: ProcessGroup | None = None) -> bool:
    """True on rank 0 of ``group`` (and always in a single process)."""
    return get_rank(group) == 0


def master_only(func: F) -> F:
    """Decorate a function so that only the global rank 0 runs it (others get None)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if is_main_process():
            return func(*args, **kwargs)
        return None

    return wrapper  # type: ignore[return-value]


def barrier(group: ProcessGroup | None = None) -> None:
    """Wait until every process of ``group`` reaches this call (no-op in one process)."""
    if get_world_size(group) > 1:
        torch_dist.barrier(group)


def get_comm_device(group: ProcessGroup | None = None) -> torch.device:
    """The device tensors must live on to be communicated by ``group``'s backend."""
    if get_backend(group) == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")
