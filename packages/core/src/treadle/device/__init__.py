"""Which accelerator this process can use, and its peak memory: MMEngine's ``mmengine.device``.

Treadle places work on CUDA or the CPU. The probes for other accelerators (NPU, MLU,
MUSA, DIPU, MPS) only report whether the installed torch offers that backend.
"""

from __future__ import annotations

from treadle.device.backends import (
    get_device,
    is_cuda_available,
    is_dipu_available,
    is_mlu_available,
    is_mps_available,
    is_musa_available,
    is_npu_available,
    is_npu_support_full_precision,
)
from treadle.device.memory import get_max_cuda_memory, get_max_musa_memory

__all__ = [
    "get_device",
    "get_max_cuda_memory",
    "get_max_musa_memory",
    "is_cuda_available",
    "is_dipu_available",
    "is_mlu_available",
    "is_mps_available",
    "is_musa_available",
    "is_npu_available",
    "is_npu_support_full_precision",
]
