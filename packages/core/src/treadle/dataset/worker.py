"""``worker_init_fn``: distinct, reproducible random streams per DataLoader worker."""

from __future__ import annotations

import random
import warnings

import numpy as np
import torch


def worker_init_fn(
    worker_id: int,
    num_workers: int,
    rank: int,
    seed: int,
    disable_subprocess_warning: bool = False,
) -> None:
    """Seed ``random``, numpy and torch in a worker with ``num_workers * rank + worker_id + seed``.

    Without it, forked workers inherit one numpy state and draw the same "random"
    augmentations. Bind the first arguments with ``functools.partial`` and pass
    the result as ``DataLoader(worker_init_fn=...)``. ``disable_subprocess_warning``
    silences warnings in every worker but the first.
    """
    worker_seed = num_workers * rank + worker_id + seed
    np.random.seed(worker_seed)
    random.seed(worker_seed)
    torch.manual_seed(worker_seed)
    if disable_subprocess_warning and worker_id != 0:
        warnings.simplefilter("ignore")
