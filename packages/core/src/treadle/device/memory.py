"""Peak accelerator memory held by tensors, in MiB, for the run log."""

from __future__ import annotations

from types import ModuleType

import torch

from treadle.device.backends import is_cuda_available, is_musa_available

DeviceLike = torch.device | str | int | None


def _checked_device(device: DeviceLike, kind: str) -> torch.device | None:
    """``device`` as a ``torch.device`` of type ``kind`` (None stays None: the current one)."""
    if device is None:
        return None
    if isinstance(device, bool) or not isinstance(device, torch.device | str | int):
        raise TypeError(
            f"device must be a torch.device, a string such as '{kind}:0', an index or None; "
            f"got {device!r}"
        )
    try:
        checked = torch.device(kind, device) if isinstance(device, int) else torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"device {device!r} is not a valid device: {exc}") from exc
    if checked.type != kind:
        raise ValueError(f"device {device!r} is a {checked.type} device; pass a {kind} device")
    return checked


def _peak_mib(backend: ModuleType, device: torch.device | None, reset: bool) -> int:
    peak = int(backend.max_memory_allocated(device)) // (1024 * 1024)
    if reset:
        backend.reset_peak_memory_stats(device)
    return peak


def get_max_cuda_memory(device: DeviceLike = None) -> int:
    """Peak CUDA memory held by tensors on ``device`` (default: the current one), in MiB,
    since the last call; the peak is reset so the next call measures the next stretch."""
    checked = _checked_device(device, "cuda")
    if not is_cuda_available():
        raise RuntimeError(
            "get_max_cuda_memory: CUDA is not available in this process (torch "
            f"{torch.__version__}); call it only when treadle.device.is_cuda_available()"
        )
    return _peak_mib(torch.cuda, checked, reset=True)


def get_max_musa_memory(device: DeviceLike = None) -> int:
    """Peak MUSA memory held by tensors on ``device`` (default: the current one), in MiB,
    since the process started (torch_musa cannot reset its peak)."""
    # 'musa' device strings only parse once torch_musa is loaded: check availability first
    if not is_musa_available():
        raise RuntimeError(
            "get_max_musa_memory: no MUSA device is available (torch_musa is not loaded or "
            "sees no device); Treadle places work on CUDA or the CPU"
        )
    return _peak_mib(torch.musa, _checked_device(device, "musa"), reset=False)
