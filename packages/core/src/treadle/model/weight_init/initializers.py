"""Config-driven initialisers registered in ``WEIGHT_INITIALIZERS``.

``dict(type='Kaiming', layer='Conv2d', mode='fan_in')`` builds a callable that,
applied to a module, initialises every submodule whose class (or a direct base
class) is named in ``layer``. With ``wholemodule`` set (``override=`` entries) it
initialises every submodule it reaches, whatever its class.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from treadle.model.weight_init.functional import (
    bias_init_with_prob,
    constant_init,
    kaiming_init,
    normal_init,
    trunc_normal_init,
    uniform_init,
    xavier_init,
)
from treadle.registry import WEIGHT_INITIALIZERS


def _class_names(module: nn.Module) -> set[str]:
    cls = type(module)
    return {cls.__name__, *(base.__name__ for base in cls.__bases__)}


class BaseInit:
    """Shared arguments of the layer initialisers.

    Args:
        bias: value for biases.
        bias_prob: if given, biases get :func:`bias_init_with_prob` of it instead.
        layer: class name(s) of the submodules to initialise.
    """

    def __init__(
        self,
        *,
        bias: float = 0,
        bias_prob: float | None = None,
        layer: str | list[str] | None = None,
    ) -> None:
        if not isinstance(bias, (int, float)) or isinstance(bias, bool):
            raise TypeError(f"{type(self).__name__}: bias must be a number, got {bias!r}")
        if bias_prob is not None and not isinstance(bias_prob, float):
            raise TypeError(
                f"{type(self).__name__}: bias_prob must be a float such as 0.01, got {bias_prob!r}"
            )
        if layer is None:
            layer = []
        elif isinstance(layer, str):
            layer = [layer]
        elif not (isinstance(layer, list) and all(isinstance(x, str) for x in layer)):
            raise TypeError(
                f"{type(self).__name__}: layer must be a class name or a list of class names "
                f"(e.g. 'Conv2d' or ['Conv2d', 'Linear']), got {layer!r}"
            )
        self.wholemodule = False
        self.bias = bias_init_with_prob(bias_prob) if bias_prob is not None else bias
        self.layer: list[str] = layer

    def _init_one(self, module: nn.Module) -> None:
        raise NotImplementedError

    def _applies_to(self, module: nn.Module) -> bool:
        return self.wholemodule or not _class_names(module).isdisjoint(self.layer)

    def __call__(self, module: nn.Module) -> None:
        def visit(m: nn.Module) -> None:
            if self._applies_to(m):
                self._init_one(m)

        module.apply(visit)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(layer={self.layer}, bias={self.bias})"


@WEIGHT_INITIALIZERS.register_module(name="Constant")
class ConstantInit(BaseInit):
    """Weights set to ``val``, biases to ``bias``."""

    def __init__(self, val: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.val = val

    def _init_one(self, module: nn.Module) -> None:
        constant_init(module, self.val, self.bias)


@WEIGHT_INITIALIZERS.register_module(name="Xavier")
class XavierInit(BaseInit):
    """Xavier weights (``distribution`` ``'normal'`` or ``'uniform'``)."""

    def __init__(self, gain: float = 1, distribution: str = "normal", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gain = gain
        self.distribution = distribution

    def _init_one(self, module: nn.Module) -> None:
        xavier_init(module, self.gain, self.bias, self.distribution)


@WEIGHT_INITIALIZERS.register_module(name="Normal")
class NormalInit(BaseInit):
    """Weights from N(mean, std²)."""

    def __init__(self, mean: float = 0, std: float = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mean = mean
        self.std = std

    def _init_one(self, module: nn.Module) -> None:
        normal_init(module, self.mean, self.std, self.bias)


@WEIGHT_INITIALIZERS.register_module(name="TruncNormal")
class TruncNormalInit(BaseInit):
    """Weights from N(mean, std²) truncated to [a, b]."""

    def __init__(
        self, mean: float = 0, std: float = 1, a: float = -2, b: float = 2, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.mean = mean
        self.std = std
        self.a = a
        self.b = b

    def _init_one(self, module: nn.Module) -> None:
        trunc_normal_init(module, self.mean, self.std, self.a, self.b, self.bias)


@WEIGHT_INITIALIZERS.register_module(name="Uniform")
class UniformInit(BaseInit):
    """Weights from U(a, b)."""

    def __init__(self, a: float = 0, b: float = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.a = a
        self.b = b

    def _init_one(self, module: nn.Module) -> None:
        uniform_init(module, self.a, self.b, self.bias)


@WEIGHT_INITIALIZERS.register_module(name="Kaiming")
class KaimingInit(BaseInit):
    """Kaiming weights; defaults as MMEngine (``fan_out``, relu, normal)."""

    def __init__(
        self,
        a: float = 0,
        mode: str = "fan_out",
        nonlinearity: str = "relu",
        distribution: str = "normal",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.a = a
        self.mode = mode
        self.nonlinearity = nonlinearity
        self.distribution = distribution

    def _init_one(self, module: nn.Module) -> None:
        kaiming_init(module, self.a, self.mode, self.nonlinearity, self.bias, self.distribution)


@WEIGHT_INITIALIZERS.register_module(name="Caffe2Xavier")
class Caffe2XavierInit(KaimingInit):
    """Caffe2's ``XavierFill``: Kaiming-uniform, ``a=1``, ``fan_in``, leaky_relu."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            a=1, mode="fan_in", nonlinearity="leaky_relu", distribution="uniform", **kwargs
        )
