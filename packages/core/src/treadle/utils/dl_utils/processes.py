"""Process-wide settings for data loading workers and distributed ranks."""

from __future__ import annotations

import os
import platform
import warnings

#: thread-pool variables one rank per core should pin, lest ranks oversubscribe the CPUs
_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")


def set_multi_processing(
    mp_start_method: str = "fork", opencv_num_threads: int = 0, distributed: bool = False
) -> None:
    """Set the multiprocessing start method, OpenCV's thread count and, for distributed
    runs, one OpenMP/MKL thread per process unless the environment already says otherwise.

    Args:
        mp_start_method: how worker processes start ('fork', 'spawn', 'forkserver');
            forced, with a warning when another method was already set. Ignored on Windows.
        opencv_num_threads: threads OpenCV may use (0: none in parallel); ignored when
            OpenCV is not installed.
        distributed: whether this process is one rank of several.
    """
    import torch.multiprocessing as mp

    if isinstance(opencv_num_threads, bool) or not isinstance(opencv_num_threads, int):
        raise TypeError(f"opencv_num_threads must be an int, got {opencv_num_threads!r}")
    if platform.system() != "Windows":
        methods = mp.get_all_start_methods()
        if mp_start_method not in methods:
            raise ValueError(
                f"mp_start_method {mp_start_method!r} is not available here; "
                f"choose one of {methods}"
            )
        current = mp.get_start_method(allow_none=True)
        if current is not None and current != mp_start_method:
            warnings.warn(
                f"set_multi_processing: replacing the multiprocessing start method "
                f"{current!r} with {mp_start_method!r} (env_cfg.mp_cfg.mp_start_method)",
                stacklevel=2,
            )
        mp.set_start_method(mp_start_method, force=True)
    try:
        import cv2
    except ImportError:
        pass
    else:
        cv2.setNumThreads(opencv_num_threads)
    if distributed:
        for name in _THREAD_VARS:
            if name not in os.environ:
                warnings.warn(
                    f"set_multi_processing: {name} is unset; using 1 thread per process so "
                    f"ranks do not oversubscribe the CPUs (export {name} to choose)",
                    stacklevel=2,
                )
                os.environ[name] = "1"
