"""Datasets, dataset wrappers, samplers, collate functions (MMEngine's ``mmengine.dataset``).

Names resolve lazily (PEP 562): ``from treadle.dataset import Compose`` does not
import torch; the datasets, samplers and collate functions do.
"""

from __future__ import annotations

from treadle.utils.lazy import lazy_exports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from treadle.dataset.base_dataset import BaseDataset, force_full_init
    from treadle.dataset.collate import COLLATE_FUNCTIONS, default_collate, pseudo_collate
    from treadle.dataset.compose import Compose
    from treadle.dataset.sampler import DefaultSampler, InfiniteSampler
    from treadle.dataset.worker import worker_init_fn
    from treadle.dataset.wrappers import ClassBalancedDataset, ConcatDataset, RepeatDataset

_LAZY_NAMES = {
    "BaseDataset": "treadle.dataset.base_dataset",
    "force_full_init": "treadle.dataset.base_dataset",
    "Compose": "treadle.dataset.compose",
    "ConcatDataset": "treadle.dataset.wrappers",
    "RepeatDataset": "treadle.dataset.wrappers",
    "ClassBalancedDataset": "treadle.dataset.wrappers",
    "DefaultSampler": "treadle.dataset.sampler",
    "InfiniteSampler": "treadle.dataset.sampler",
    "pseudo_collate": "treadle.dataset.collate",
    "default_collate": "treadle.dataset.collate",
    "COLLATE_FUNCTIONS": "treadle.dataset.collate",
    "worker_init_fn": "treadle.dataset.worker",
}

__all__ = [
    "COLLATE_FUNCTIONS",
    "BaseDataset",
    "ClassBalancedDataset",
    "Compose",
    "ConcatDataset",
    "DefaultSampler",
    "InfiniteSampler",
    "RepeatDataset",
    "default_collate",
    "force_full_init",
    "pseudo_collate",
    "worker_init_fn",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY_NAMES)
