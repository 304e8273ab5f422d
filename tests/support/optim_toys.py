"""A small regression job the optimiser tests train: data, a model, parameter snapshots."""

from __future__ import annotations

import torch
from torch import nn


def toy_data(n: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` inputs of 4 features and their targets, from a seeded generator."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, 4, generator=generator), torch.randn(n, 1, generator=generator)


def toy_model(seed: int = 0) -> nn.Module:
    """A two-layer MLP initialised from ``seed``."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))


def snapshot(model: nn.Module) -> list[torch.Tensor]:
    """Copies of ``model``'s parameters."""
    return [p.detach().clone() for p in model.parameters()]
