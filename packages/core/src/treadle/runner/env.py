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
    """Apply ``env_cfg`` as MMEngine's runner does, then join the process group.

    ``cudnn_benchmark``; ``mp_cfg`` goes to :func:`set_multi_processing` (always: its
    defaults force the ``fork`` start method and no OpenCV threads, and a launched rank
    gets one OpenMP/MKL thread unless the environment says otherwise); ``resource_limit``
    (default 4096) to :func:`raise_open_files_limit`; ``dist_cfg`` to ``init_dist``
    (backend: ``nccl`` with CUDA, else ``gloo``).
    """
    from treadle.dist import init_dist, is_distributed
    from treadle.utils.dl_utils import set_multi_processing

    if launcher not in ("none", "pytorch", "slurm", "mpi"):
        raise ValueError(
            f"launcher={launcher!r} is not one of 'none', 'pytorch' (torchrun), 'slurm', 'mpi'"
        )
    if env_cfg.get("cudnn_benchmark"):
        torch.backends.cudnn.benchmark = True
    mp_cfg = dict(env_cfg.get("mp_cfg") or {})
    unknown = sorted(set(mp_cfg) - {"mp_start_method", "opencv_num_threads"})
    if unknown:
        raise TypeError(
            f"env_cfg.mp_cfg has unknown keys {unknown}; it takes mp_start_method and "
            "opencv_num_threads"
        )
    set_multi_processing(**mp_cfg, distributed=launcher != "none")
    raise_open_files_limit(env_cfg.get("resource_limit", 4096))
    if launcher != "none" and not is_distributed():
        dist_cfg = dict(env_cfg.get("dist_cfg") or {})
        dist_cfg.setdefault("backend", "nccl" if torch.cuda.is_available() else "gloo")
        init_dist(launcher, **dist_cfg)


def dist_state() -> tuple[bool, int, int]:
    """``(distributed, rank, world_size)`` of this process as it stands."""
    from treadle.dist import get_dist_info, is_distributed

    rank, world_size = get_dist_info()
    return is_distributed(), rank, world_size


def raise_open_files_limit(wanted: int) -> None:
    """Raise this process's soft limit of open files to ``wanted`` (never lower it, never
    past the hard limit): data-loader workers hand tensors over through file descriptors,
    and a low default (often 1024) ends a long run with "Too many open files"."""
    try:
        import resource
    except ImportError:  # Windows has no such limit
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    unlimited = resource.RLIM_INFINITY
    if soft == unlimited or wanted <= soft:
        return
    target = wanted if hard == unlimited else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def describe(**run_facts: object) -> list[str]:
    """``name: value`` lines for the run log: Python, PyTorch, CUDA, then ``run_facts``."""
    import sys

    lines = [f"Python: {sys.version.split()[0]}", f"PyTorch: {torch.__version__}"]
    cuda = torch.cuda.is_available()
    gpus = f" ({torch.cuda.device_count()} GPUs)" if cuda else ""
    lines.append(f"CUDA available: {cuda}{gpus}")
    return lines + [f"{name}: {value}" for name, value in run_facts.items()]
