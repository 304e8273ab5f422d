"""``autocast``: ``torch.autocast`` with MMEngine's defaults for device and dtype.

Model code written for MMEngine calls ``with autocast():`` without naming a device;
this picks the device the run uses (CUDA when available, else CPU) and its usual
half type, so the same code runs mixed precision on a GPU and on a CPU.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

_DEVICE_TYPES = ("cuda", "cpu")


@contextmanager
def autocast(
    device_type: str | None = None,
    dtype: torch.dtype | None = None,
    enabled: bool = True,
    cache_enabled: bool | None = None,
) -> Iterator[None]:
    """Run the block under ``torch.autocast``.

    Args:
        device_type: ``'cuda'`` or ``'cpu'``; None picks CUDA when available, else CPU.
        dtype: the lower precision; None means torch's CUDA default (float16) on CUDA and
            bfloat16 on CPU.
        enabled: False runs the block in full precision (any ``device_type`` is then fine).
        cache_enabled: keep cast weights between ops; None keeps torch's current setting.
    """
    if device_type is None:
        device_type = "cuda" if torch.cuda.is_available() else "cpu"
    if device_type not in _DEVICE_TYPES:
        if not enabled:
            yield
            return
        raise ValueError(
            f"autocast device_type={device_type!r} is not supported; use 'cuda' or 'cpu' "
            "(or enabled=False)"
        )
    if dtype is None:
        dtype = torch.get_autocast_dtype("cuda") if device_type == "cuda" else torch.bfloat16
    cuda_bf16 = enabled and device_type == "cuda" and dtype == torch.bfloat16
    if cuda_bf16 and not torch.cuda.is_bf16_supported():
        raise RuntimeError(
            "autocast dtype=torch.bfloat16: this CUDA device does not support bfloat16; "
            "use dtype=torch.float16"
        )
    if cache_enabled is None:
        cache_enabled = torch.is_autocast_cache_enabled()
    with torch.autocast(
        device_type=device_type, dtype=dtype, enabled=enabled, cache_enabled=cache_enabled
    ):
        yield
