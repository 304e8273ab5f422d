"""Helpers for deep-learning code that need torch: MMEngine's ``mmengine.utils.dl_utils``.

``from treadle.utils.dl_utils import X`` works for each name MMEngine 0.10.7 exports
there. The names resolve lazily (PEP 562): importing this package loads neither torch
nor any of its modules, so ``treadle.utils`` stays torch-free.
"""

from __future__ import annotations

from treadle.utils.lazy import by_name, lazy_exports

_LAZY = by_name(
    {
        "treadle.utils.dl_utils.torch_version": ("TORCH_VERSION",),
        "treadle.utils.dl_utils.environment": ("collect_env",),
        "treadle.utils.dl_utils.processes": ("set_multi_processing",),
        "treadle.utils.dl_utils.norm": ("has_batch_norm", "is_norm"),
        "treadle.utils.dl_utils.ops": ("is_jit_tracing", "torch_meshgrid"),
        "treadle.utils.dl_utils.time_counter": ("TimeCounter",),
        "treadle.utils.dl_utils.images": ("tensor2imgs",),
        "treadle.utils.dl_utils.hub": ("load_url",),
        "treadle.utils.dl_utils.mmcv_ops": ("mmcv_full_available",),
    }
)

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
