"""Functional initialisers: fill a module's ``weight`` and ``bias`` in place.

Each one leaves a missing (``None``) weight or bias alone, so they can be applied
to any module, e.g. a ``Conv2d(bias=False)`` or a ``LayerNorm``.
"""

from __future__ import annotations

import math

from torch import nn


def _weight(module: nn.Module) -> object:
    return getattr(module, "weight", None)


def _fill_bias(module: nn.Module, bias: float) -> None:
    if getattr(module, "bias", None) is not None:
        nn.init.constant_(module.bias, bias)


def _check_distribution(distribution: str) -> None:
    if distribution not in ("uniform", "normal"):
        raise ValueError(f"distribution must be 'uniform' or 'normal', got {distribution!r}")


def constant_init(module: nn.Module, val: float, bias: float = 0) -> None:
    """Set every weight element to ``val`` and every bias element to ``bias``."""
    if _weight(module) is not None:
        nn.init.constant_(module.weight, val)
    _fill_bias(module, bias)


def xavier_init(
    module: nn.Module, gain: float = 1, bias: float = 0, distribution: str = "normal"
) -> None:
    """Xavier/Glorot init of the weight (``'normal'`` or ``'uniform'``), constant bias."""
    _check_distribution(distribution)
    if _weight(module) is not None:
        if distribution == "uniform":
            nn.init.xavier_uniform_(module.weight, gain=gain)
        else:
            nn.init.xavier_normal_(module.weight, gain=gain)
    _fill_bias(module, bias)


def normal_init(module: nn.Module, mean: float = 0, std: float = 1, bias: float = 0) -> None:
    """Weight drawn from N(mean, std²), constant bias."""
    if _weight(module) is not None:
        nn.init.normal_(module.weight, mean, std)
    _fill_bias(module, bias)


def trunc_normal_init(
    module: nn.Module,
    mean: float = 0,
    std: float = 1,
    a: float = -2,
    b: float = 2,
    bias: float = 0,
) -> None:
    """Weight drawn from N(mean, std²) truncated to [a, b] (absolute bounds), constant bias."""
    if _weight(module) is not None:
        nn.init.trunc_normal_(module.weight, mean, std, a, b)
    _fill_bias(module, bias)


def uniform_init(module: nn.Module, a: float = 0, b: float = 1, bias: float = 0) -> None:
    """Weight drawn from U(a, b), constant bias."""
    if _weight(module) is not None:
        nn.init.uniform_(module.weight, a, b)
    _fill_bias(module, bias)


def kaiming_init(
    module: nn.Module,
    a: float = 0,
    mode: str = "fan_out",
    nonlinearity: str = "relu",
    bias: float = 0,
    distribution: str = "normal",
) -> None:
    """Kaiming/He init of the weight (MMEngine's default ``mode='fan_out'``), constant bias."""
    _check_distribution(distribution)
    if _weight(module) is not None:
        if distribution == "uniform":
            nn.init.kaiming_uniform_(module.weight, a=a, mode=mode, nonlinearity=nonlinearity)
        else:
            nn.init.kaiming_normal_(module.weight, a=a, mode=mode, nonlinearity=nonlinearity)
    _fill_bias(module, bias)


def caffe2_xavier_init(module: nn.Module, bias: float = 0) -> None:
    """Caffe2's ``XavierFill``: Kaiming-uniform with ``a=1``, ``fan_in``, leaky_relu."""
    kaiming_init(
        module, a=1, mode="fan_in", nonlinearity="leaky_relu", bias=bias, distribution="uniform"
    )


def bias_init_with_prob(prior_prob: float) -> float:
    """The bias whose sigmoid is ``prior_prob`` (focal-loss style classifier heads)."""
    if not 0 < prior_prob < 1:
        raise ValueError(f"prior_prob must lie strictly between 0 and 1, got {prior_prob!r}")
    return float(-math.log((1 - prior_prob) / prior_prob))
