"""``init_dist``: join the process group of a job started by torchrun, SLURM or MPI.

Each launcher publishes rank and world size in its own environment variables;
they are translated into the ``RANK``/``WORLD_SIZE``/``LOCAL_RANK``/``MASTER_*``
variables ``torch.distributed`` reads, and the default process group is created.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
from typing import Any

import torch
import torch.distributed as torch_dist
import torch.multiprocessing as mp

DEFAULT_MASTER_PORT = "29500"
_TASKS_GROUP = re.compile(r"(\d+)(?:\(x(\d+)\))?")  # an entry of SLURM_TASKS_PER_NODE
_PLAIN_HOST = re.compile(r"[^\[\],\s]+")


def infer_launcher() -> str:
    """The launcher that started this process, read from the environment it set.

    ``'pytorch'`` when ``WORLD_SIZE`` is set (torchrun), else ``'slurm'`` when
    ``SLURM_NTASKS`` is (srun), else ``'mpi'`` when ``OMPI_COMM_WORLD_LOCAL_RANK`` is
    (Open MPI's mpirun), else ``'none'``; checked in that order.
    """
    if "WORLD_SIZE" in os.environ:
        return "pytorch"
    if "SLURM_NTASKS" in os.environ:
        return "slurm"
    if "OMPI_COMM_WORLD_LOCAL_RANK" in os.environ:
        return "mpi"
    return "none"


def init_dist(
    launcher: str, backend: str = "nccl", init_backend: str = "torch", **kwargs: Any
) -> None:
    """Create the default process group for a job started by ``launcher``.

    Args:
        launcher: ``'pytorch'`` (torchrun), ``'slurm'`` (srun) or ``'mpi'`` (mpirun, Open MPI).
        backend: ``'nccl'`` for GPUs, ``'gloo'`` for CPUs.
        init_backend: only ``'torch'`` (``torch.distributed``) is supported.
        **kwargs: passed to ``torch.distributed.init_process_group``; ``timeout`` may be
            given in seconds. ``port`` sets the master port for ``'slurm'`` and ``'mpi'``
            (when ``MASTER_PORT`` is unset); torchrun sets its own, so there it is ignored.
    """
    if launcher not in ("pytorch", "slurm", "mpi"):
        raise ValueError(
            f"invalid launcher {launcher!r}; choose 'pytorch' (torchrun), 'slurm' or 'mpi'"
        )
    if init_backend != "torch":
        raise ValueError(
            f"init_backend={init_backend!r} is not supported; Treadle initialises through "
            "torch.distributed (init_backend='torch')"
        )
    if backend == "nccl" and not torch.cuda.is_available():
        raise RuntimeError(
            "init_dist(backend='nccl') needs CUDA GPUs, but none is available; "
            "use backend='gloo' to run on CPUs"
        )
    timeout = kwargs.get("timeout")
    if timeout is not None and not isinstance(timeout, datetime.timedelta):
        kwargs["timeout"] = datetime.timedelta(seconds=timeout)
    port = kwargs.pop("port", None)  # not an init_process_group argument
    if launcher == "pytorch":
        _from_torchrun()
    elif launcher == "slurm":
        _from_slurm(port)
    else:
        _from_mpi(port)
    if "init_method" not in kwargs:
        for name in ("MASTER_ADDR", "MASTER_PORT"):
            _env(name, launcher, "set it to the address/port of the rank 0 process")
    if mp.get_start_method(allow_none=True) is None:
        mp.set_start_method("spawn")  # CUDA cannot be used in forked workers
    _select_gpu(int(os.environ["LOCAL_RANK"]), backend)
    torch_dist.init_process_group(backend=backend, **kwargs)


def _select_gpu(local_rank: int, backend: str) -> None:
    """Give each local rank its own GPU (NCCL needs one per process)."""
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if local_rank < count:
        torch.cuda.set_device(local_rank)
    elif backend == "nccl":
        raise RuntimeError(
            f"LOCAL_RANK={local_rank} has no GPU of its own: {count} visible; NCCL needs one "
            "GPU per process, so start at most that many processes per node"
        )


def _env(name: str, launcher: str, hint: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise RuntimeError(
            f"init_dist(launcher={launcher!r}) needs the environment variable {name}, which is "
            f"not set; {hint}"
        )
    return value


def _from_torchrun() -> None:
    hint = "start the job with `torchrun --nproc-per-node N ...`"
    for name in ("RANK", "LOCAL_RANK", "WORLD_SIZE"):
        _env(name, "pytorch", hint)


def _int(name: str, value: str) -> int:
    """``value`` of the environment variable ``name`` as an int, or an error naming both."""
    try:
        return int(value)
    except ValueError:
        raise ValueError(
            f"the environment variable {name}={value!r} must be an integer; it is set by the "
            "launcher (srun/mpirun): start the job with it, or correct the variable"
        ) from None


def _from_slurm(port: int | None) -> None:
    hint = "start the job with `srun` (or set the SLURM_* variables)"
    proc_id = _int("SLURM_PROCID", _env("SLURM_PROCID", "slurm", hint))
    ntasks = _int("SLURM_NTASKS", _env("SLURM_NTASKS", "slurm", hint))
    node_list = _env("SLURM_NODELIST", "slurm", hint)
    local_id = os.environ.get("SLURM_LOCALID")
    if local_id is not None:
        local_rank = _int("SLURM_LOCALID", local_id)
    else:
        local_rank = proc_id % max(torch.cuda.device_count(), 1)
    if port is not None:
        os.environ["MASTER_PORT"] = str(port)
    else:
        os.environ.setdefault("MASTER_PORT", DEFAULT_MASTER_PORT)
    if "MASTER_ADDR" not in os.environ:
        os.environ["MASTER_ADDR"] = first_slurm_host(node_list)
    os.environ["WORLD_SIZE"] = str(ntasks)
    os.environ["RANK"] = str(proc_id)
    os.environ["LOCAL_RANK"] = str(local_rank)
    local_size = _slurm_local_size()
    if local_size is not None:
        os.environ["LOCAL_WORLD_SIZE"] = str(local_size)


def _slurm_local_size() -> int | None:
    """Tasks on this node: ``SLURM_NTASKS_PER_NODE``, else this node's entry of
    ``SLURM_TASKS_PER_NODE`` (``2(x3),1``: 2 on each of three nodes, then 1)."""
    per_node = os.environ.get("SLURM_NTASKS_PER_NODE", "")
    if per_node.isdigit():
        return int(per_node)
    counts: list[int] = []
    for group in filter(None, os.environ.get("SLURM_TASKS_PER_NODE", "").split(",")):
        match = _TASKS_GROUP.fullmatch(group.strip())
        if match is None:
            return None
        counts += [int(match[1])] * int(match[2] or 1)
    node_id = os.environ.get("SLURM_NODEID", "0")
    if not node_id.isdigit() or int(node_id) >= len(counts):
        return None
    return counts[int(node_id)]


def first_slurm_host(node_list: str) -> str:
    """The first host of a SLURM node list; compressed lists (``node[1-4]``) need ``scontrol``."""
    node_list = node_list.strip()
    first = node_list.split(",", 1)[0]
    if _PLAIN_HOST.fullmatch(first):
        return first
    scontrol = shutil.which("scontrol")
    if scontrol is None:
        raise RuntimeError(
            f"SLURM_NODELIST={node_list!r} is a compressed host list, and expanding it needs "
            "`scontrol show hostnames`, but scontrol is not on PATH; run inside a SLURM job "
            "or set MASTER_ADDR to the first node's address"
        )
    result = subprocess.run(
        [scontrol, "show", "hostnames", node_list], capture_output=True, text=True, check=False
    )
    hosts = result.stdout.split()
    if result.returncode != 0 or not hosts:
        raise RuntimeError(
            f"`scontrol show hostnames {node_list}` failed (exit {result.returncode}): "
            f"{result.stderr.strip()}; set MASTER_ADDR to the first node's address"
        )
    return hosts[0]


def _from_mpi(port: int | None) -> None:
    hint = "start the job with Open MPI's `mpirun`"
    os.environ["LOCAL_RANK"] = _env("OMPI_COMM_WORLD_LOCAL_RANK", "mpi", hint)
    os.environ["WORLD_SIZE"] = _env("OMPI_COMM_WORLD_SIZE", "mpi", hint)
    os.environ["RANK"] = _env("OMPI_COMM_WORLD_RANK", "mpi", hint)
    local_size = os.environ.get("OMPI_COMM_WORLD_LOCAL_SIZE")
    if local_size is not None:
        os.environ["LOCAL_WORLD_SIZE"] = local_size
    os.environ.setdefault("MASTER_PORT", str(port) if port is not None else DEFAULT_MASTER_PORT)
