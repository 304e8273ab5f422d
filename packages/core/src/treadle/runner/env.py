"""Process set-up for a run: random seeds, distributed launch, threads.

Kept apart from the Runner so scripts that are not runners (benchmarks, tests)
can seed and snapshot the same way.
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def set_random_seed(
    seed: int | None = None, deterministic: bool = False, diff_rank_seed: bool = False
) -> int:
    """Seed python, numpy and torch; return the seed used (drawn and shared if None).

    ``diff_rank_seed`` adds the rank so every process draws differently (e.g. for
    augmentation); ``deterministic`` asks torch for deterministic kernels.
    """
    from treadle.dist import get_rank, sync_random_seed

    if seed is None:
        seed = sync_random_seed()
    if diff_rank_seed:
        seed += get_rank()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    if deterministic:
        if torch.backends.cudnn.benchmark:
            import warnings

            warnings.warn(
                "torch.backends.cudnn.benchmark is on, which makes runs non-deterministic; "
                "turning it off because randomness.deterministic=True",
                stacklevel=2,
            )
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        torch.use_deterministic_algorithms(True, warn_only=True)
    return seed


def setup_env(env_cfg: dict, launcher: str) -> None:
    """Apply ``env_cfg`` (threads, start method, cudnn) and join the process group."""
    from treadle.dist import init_dist, is_distributed

    if env_cfg.get("cudnn_benchmark"):
        torch.backends.cudnn.benchmark = True
    mp_cfg = env_cfg.get("mp_cfg") or {}
    start_method = mp_cfg.get("mp_start_method")
    if start_method is not None:
        import torch.multiprocessing as mp

        current = mp.get_start_method(allow_none=True)
        if current is not None and current != start_method:
            import warnings

            warnings.warn(
                f"mp_start_method {start_method!r} differs from the one already set "
                f"({current!r}); keeping {current!r}",
                stacklevel=2,
            )
        else:
            mp.set_start_method(start_method, force=True)
    threads = mp_cfg.get("opencv_num_threads")
    if threads is not None:
        try:
            import cv2
        except ImportError:
            pass
        else:
            cv2.setNumThreads(threads)
    if launcher not in ("none", "pytorch", "slurm", "mpi"):
        raise ValueError(
            f"launcher={launcher!r} is not one of 'none', 'pytorch' (torchrun), 'slurm', 'mpi'"
        )
    if launcher != "none" and not is_distributed():
        dist_cfg = dict(env_cfg.get("dist_cfg") or {})
        dist_cfg.setdefault("backend", "nccl" if torch.cuda.is_available() else "gloo")
        init_dist(launcher, **dist_cfg)


def dist_state() -> tuple[bool, int, int]:
    """``(distributed, rank, world_size)`` of this process as it stands."""
    from treadle.dist import get_dist_info, is_distributed

    rank, world_size = get_dist_info()
    return is_distributed(), rank, world_size
