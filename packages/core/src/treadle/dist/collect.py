"""``collect_results``: gather per-rank result lists into one list on rank 0, in dataset order.

Distributed samplers deal samples round-robin (rank ``r`` gets ``r, r + W, ...``),
so the parts are interleaved back into dataset order and cut to ``size``, which
drops the samples the sampler padded to make the parts equal.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import tempfile
from itertools import chain, zip_longest
from typing import Any

from treadle.dist.collective import all_gather_object, broadcast_object_list
from treadle.dist.info import barrier, get_dist_info

DEFAULT_COLLECT_DIR = ".dist_test"
_DEVICE_MODES = ("gpu", "npu", "mlu", "musa")
_MISSING = object()


def collect_results(
    results: list, size: int, device: str = "cpu", tmpdir: str | None = None
) -> list | None:
    """All ranks' ``results`` in dataset order on rank 0 (None on other ranks).

    Args:
        results: this rank's part.
        size: the dataset size; the padding beyond it is removed.
        device: ``'cpu'`` exchanges parts through files in a directory every rank
            can reach; ``'gpu'`` exchanges pickled parts through the backend.
        tmpdir: with ``'cpu'``, the shared directory to use (``./.dist_test`` if None).
    """
    if device == "cpu":
        return collect_results_cpu(results, size, tmpdir)
    if device in _DEVICE_MODES:
        if tmpdir is not None:
            raise ValueError(f"tmpdir is only used with device='cpu', not {device!r}")
        return collect_results_gpu(results, size)
    raise ValueError(f"collect_results: device must be 'cpu' or 'gpu', got {device!r}")


def _interleave(parts: list[list], size: int) -> list:
    ordered = chain.from_iterable(zip_longest(*parts, fillvalue=_MISSING))
    return [item for item in ordered if item is not _MISSING][:size]


def collect_results_cpu(result_part: list, size: int, tmpdir: str | None = None) -> list | None:
    """``collect_results`` through pickled part files in a shared directory.

    Rank 0 makes a fresh sub-directory under ``tmpdir`` for this call and removes it
    after reading; ``tmpdir`` itself is left in place.
    """
    rank, world_size = get_dist_info()
    if world_size == 1:
        return result_part[:size]
    base = tmpdir if tmpdir is not None else DEFAULT_COLLECT_DIR
    holder: list[Any] = [None]
    if rank == 0:
        os.makedirs(base, exist_ok=True)
        holder[0] = os.path.abspath(tempfile.mkdtemp(prefix="collect_", dir=base))
    broadcast_object_list(holder, src=0)
    work_dir: str = holder[0]
    with open(os.path.join(work_dir, f"part_{rank}.pkl"), "wb") as f:
        pickle.dump(result_part, f, protocol=pickle.HIGHEST_PROTOCOL)
    barrier()
    if rank != 0:
        return None
    parts = []
    for part_rank in range(world_size):
        path = os.path.join(work_dir, f"part_{part_rank}.pkl")
        if not os.path.exists(path):
            raise FileNotFoundError(
                f"rank {part_rank} wrote no results to {work_dir}: {base!r} must be a directory "
                "shared by all ranks (pass collect_dir/tmpdir on a shared filesystem, or use "
                "collect_device='gpu')"
            )
        with open(path, "rb") as f:
            parts.append(pickle.load(f))
    shutil.rmtree(work_dir)
    if tmpdir is None:
        with contextlib.suppress(OSError):  # left alone while another collection uses it
            os.rmdir(base)
    return _interleave(parts, size)


def collect_results_gpu(result_part: list, size: int) -> list | None:
    """``collect_results`` by all-gathering pickled parts through the communication backend."""
    rank, world_size = get_dist_info()
    if world_size == 1:
        return result_part[:size]
    parts = all_gather_object(result_part)
    return _interleave(parts, size) if rank == 0 else None
