"""Probes for the accelerator backends torch offers, and the device type to use."""

from __future__ import annotations

import torch

#: Ascend SoC version from which NPUs train in full precision
_NPU_FULL_PRECISION_SOC = 220


def _torch_backend_available(name: str) -> bool:
    """True when ``torch.<name>`` exists (a vendor extension added it) and reports a device."""
    backend = getattr(torch, name, None)
    is_available = getattr(backend, "is_available", None)
    return callable(is_available) and bool(is_available())


def is_cuda_available() -> bool:
    """True when torch sees at least one CUDA (or ROCm) device."""
    return torch.cuda.is_available()


def is_mps_available() -> bool:
    """True on Apple silicon where torch's MPS backend works."""
    return torch.backends.mps.is_available()


def is_npu_available() -> bool:
    """True when an Ascend extension (torch_npu) is loaded and sees a device."""
    return _torch_backend_available("npu")


def is_mlu_available() -> bool:
    """True when a Cambricon extension (torch_mlu) is loaded and sees a device."""
    return _torch_backend_available("mlu")


def is_musa_available() -> bool:
    """True when a Moore Threads extension (torch_musa) is loaded and sees a device."""
    return _torch_backend_available("musa")


def is_dipu_available() -> bool:
    """True when a DIPU extension has added ``torch.dipu`` and it sees a device."""
    return _torch_backend_available("dipu")


def is_npu_support_full_precision() -> bool:
    """True when an NPU is available and its SoC trains in full precision."""
    if not is_npu_available():
        return False
    return torch.npu.utils.get_soc_version() >= _NPU_FULL_PRECISION_SOC


def get_device() -> str:
    """The device type to place work on: the first available of npu, cuda, mlu, mps,
    dipu, musa (MMEngine's order), else ``'cpu'``."""
    for device, available in (
        ("npu", is_npu_available),
        ("cuda", is_cuda_available),
        ("mlu", is_mlu_available),
        ("mps", is_mps_available),
        ("dipu", is_dipu_available),
        ("musa", is_musa_available),
    ):
        if available():
            return device
    return "cpu"
