"""Operator handles: how many flops or activations one recorded operator costs.

A handle is ``handle(inputs, outputs) -> number | Counter``. ``inputs`` are the
operator's arguments in the order of its ``aten::`` schema (the order MMEngine's
JIT handles index), with tensors given as :class:`TensorInfo` (shape and dtype,
no data); ``outputs`` are its results the same way. Read shapes with
:func:`get_shape`. As in MMEngine (after fvcore), one fused multiply-add counts
as one flop.
"""

from __future__ import annotations

import math
import typing
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

Handle = Callable[[list[Any], list[Any]], "int | float | typing.Counter[str]"]


@dataclass(frozen=True)
class TensorInfo:
    """What the analysis keeps of a tensor an operator saw: its shape and dtype."""

    shape: tuple[int, ...]
    dtype: Any

    def dim(self) -> int:
        return len(self.shape)

    def numel(self) -> int:
        return math.prod(self.shape)


def get_shape(value: Any) -> list[int] | None:
    """The shape of a tensor argument as a list, ``None`` for anything else (e.g. no bias)."""
    shape = getattr(value, "shape", None)
    return None if shape is None else list(shape)


def _numel(value: Any) -> int:
    shape = get_shape(value)
    if shape is None:
        raise TypeError(f"expected a tensor argument, got {type(value).__name__}: {value!r}")
    return math.prod(shape)


def generic_activation_jit(op_name: str | None = None) -> Handle:
    """A handle counting the elements of the operator's first output as its activations."""

    def activations(inputs: list[Any], outputs: list[Any]) -> int | typing.Counter[str]:
        count = _numel(outputs[0])
        return count if op_name is None else Counter({op_name: count})

    return activations


def addmm_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """``addmm(bias, x, w)``: rows x inner x columns (the bias addition is not counted)."""
    rows, inner = get_shape(inputs[1])
    return rows * inner * get_shape(inputs[2])[1]


def linear_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """``linear(x, w)``: every element of ``x`` meets each of the ``w.shape[0]`` outputs."""
    x_shape, w_shape = get_shape(inputs[0]), get_shape(inputs[1])
    if x_shape[-1] != w_shape[-1]:
        raise ValueError(f"linear: input {x_shape} does not match weight {w_shape}")
    return math.prod(x_shape) * w_shape[0]


def bmm_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """``bmm(a, b)`` of ``(n, c, t)`` by ``(n, t, d)``: n x c x t x d."""
    n, c, t = get_shape(inputs[0])
    return n * c * t * get_shape(inputs[1])[-1]


def matmul_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """``matmul``/``mm``: the elements of the (batched) left operand times the output width."""
    left, right = get_shape(inputs[0]), get_shape(inputs[1])
    if len(left) == 1:
        left = [1, left[0]]
    if len(right) == 1:
        right = [right[0], 1]
    if left[-1] != right[-2]:
        raise ValueError(f"matmul: shapes {left} and {right} do not chain")
    return math.prod(left) * right[-1]


def conv_flop_count(
    x_shape: list[int], w_shape: list[int], out_shape: list[int], transposed: bool = False
) -> int:
    """Multiplications of a convolution: batch x filter size x positions the filter visits
    (the output's for a convolution, the input's for a transposed one); bias not counted."""
    positions = (x_shape if transposed else out_shape)[2:]
    return x_shape[0] * math.prod(w_shape) * math.prod(positions)


def conv_flop_jit(inputs: list[Any], outputs: list[Any]) -> typing.Counter[str]:
    """``_convolution(x, w, bias, stride, padding, dilation, transposed, ...)``, as ``conv``."""
    flops = conv_flop_count(
        get_shape(inputs[0]), get_shape(inputs[1]), get_shape(outputs[0]), bool(inputs[6])
    )
    return Counter({"conv": flops})


def einsum_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """``einsum(equation, operands)``: batched products directly, anything else through
    numpy's optimal contraction path (whose count of multiplies and adds is halved)."""
    equation = inputs[0].replace(" ", "")
    shapes = [get_shape(operand) for operand in inputs[1]]
    letters = dict.fromkeys(ch for ch in equation if ch.isalpha())
    canonical = equation.translate({ord(ch): ord("a") + i for i, ch in enumerate(letters)})
    if canonical == "abc,abd->acd":
        n, c, t = shapes[0]
        return n * c * t * shapes[1][-1]
    if canonical == "abc,adc->adb":
        n, t, g = shapes[0]
        return n * t * g * shapes[1][1]
    report = np.einsum_path(canonical, *[np.zeros(s) for s in shapes], optimize="optimal")[1]
    for line in report.splitlines():
        if "optimized flop" in line.lower():
            return int(float(line.split(":")[-1]) // 2)
    raise ValueError(f"einsum: numpy gave no flop count for {equation!r}")


def norm_flop_counter(affine_arg_index: int) -> Handle:
    """A handle for a normalisation: 5 flops an element with an affine weight, else 4."""

    def norm_flops(inputs: list[Any], outputs: list[Any]) -> int:
        shape = get_shape(inputs[0])
        if not 2 <= len(shape) <= 5:
            raise ValueError(f"normalisation over a {len(shape)}-d input {shape}")
        affine = get_shape(inputs[affine_arg_index]) is not None
        return math.prod(shape) * (5 if affine else 4)

    return norm_flops


def batchnorm_flop_jit(inputs: list[Any], outputs: list[Any]) -> int:
    """``batch_norm``: as any normalisation while training; in inference the statistics are
    fixed, so 2 flops an element with an affine weight (scale and shift), else 1."""
    if inputs[5]:
        return norm_flop_counter(1)(inputs, outputs)
    affine = get_shape(inputs[1]) is not None
    return _numel(inputs[0]) * (2 if affine else 1)


def elementwise_flop_counter(input_scale: float = 1, output_scale: float = 0) -> Handle:
    """A handle counting ``input_scale`` flops per input element plus ``output_scale`` per
    output element."""

    def elementwise_flops(inputs: list[Any], outputs: list[Any]) -> int | float:
        flops = 0
        if input_scale:
            flops += input_scale * _numel(inputs[0])
        if output_scale:
            flops += output_scale * _numel(outputs[0])
        return flops

    return elementwise_flops


FLOP_HANDLES: dict[str, Handle] = {
    "aten::addmm": addmm_flop_jit,
    "aten::bmm": bmm_flop_jit,
    "aten::_convolution": conv_flop_jit,
    "aten::einsum": einsum_flop_jit,
    "aten::matmul": matmul_flop_jit,
    "aten::mm": matmul_flop_jit,
    "aten::linear": linear_flop_jit,
    # inference-time fusion may make these free: set_op_handle('aten::batch_norm', None)
    "aten::batch_norm": batchnorm_flop_jit,
    "aten::group_norm": norm_flop_counter(2),
    "aten::layer_norm": norm_flop_counter(2),
    "aten::instance_norm": norm_flop_counter(1),
    "aten::upsample_nearest2d": elementwise_flop_counter(0, 1),
    "aten::upsample_bilinear2d": elementwise_flop_counter(0, 4),
    "aten::adaptive_avg_pool2d": elementwise_flop_counter(1, 0),
    "aten::grid_sampler": elementwise_flop_counter(0, 4),  # taken as bilinear
}

ACTIVATION_HANDLES: dict[str, Handle] = {
    "aten::_convolution": generic_activation_jit("conv"),
    "aten::addmm": generic_activation_jit(),
    "aten::bmm": generic_activation_jit(),
    "aten::einsum": generic_activation_jit(),
    "aten::matmul": generic_activation_jit(),
    "aten::linear": generic_activation_jit(),
}

# operators that move, shape or make data: neither counted nor reported as unsupported
_IGNORED_IN_JIT_GRAPHS = [
    "Int",
    "ScalarImplicit",
    "__and__",
    "arange",
    "bitwise_not",
    "cat",
    "chunk",
    "clamp",
    "clamp_",
    "constant_pad_nd",
    "contiguous",
    "copy_",
    "detach",
    "dropout",
    "empty",
    "eq",
    "expand",
    "flatten",
    "floor",
    "floor_divide",
    "full",
    "full_like",
    "gather",
    "ge",
    "gt",
    "index",
    "index_put_",
    "masked_fill",
    "max",
    "narrow",
    "new_empty",
    "new_full",
    "new_zeros",
    "nonzero",
    "ones",
    "permute",
    "relu",
    "relu_",
    "remainder",
    "reshape",
    "roll",
    "select",
    "size",
    "slice",
    "split",
    "split_with_sizes",
    "squeeze",
    "stack",
    "t",
    "to",
    "type_as",
    "unbind",
    "unsqueeze",
    "unsqueeze_",
    "view",
    "zeros",
    "zeros_like",
]
# what eager execution shows that a JIT graph does not
_IGNORED_IN_EAGER = [
    "dim",
    "numel",
    "__get__",
    "getitem",
    "setitem",
    "unsafe_view",
    "alias",
    "detach_",
    "lift_fresh",
    "as_strided",
]
IGNORED_OPS: frozenset[str] = frozenset(
    "aten::" + name for name in _IGNORED_IN_JIT_GRAPHS + _IGNORED_IN_EAGER
)
