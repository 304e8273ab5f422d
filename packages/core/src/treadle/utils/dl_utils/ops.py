"""Thin, stable spellings of two torch calls MMEngine-era code uses."""

from __future__ import annotations

import torch


def torch_meshgrid(*tensors: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """``torch.meshgrid`` with matrix ('ij') indexing, stated so torch does not warn."""
    return torch.meshgrid(*tensors, indexing="ij")


def is_jit_tracing() -> bool:
    """True while ``torch.jit.trace`` is recording the running code."""
    return torch.jit.is_tracing()
