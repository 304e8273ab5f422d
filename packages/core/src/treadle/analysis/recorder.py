"""Run a model once and record the operators it calls, each with the modules it ran in.

MMEngine finds operators by tracing the model with ``torch.jit``; Treadle runs the
model eagerly under two interception modes instead, so any input a forward accepts
works (dicts, data samples) and no TorchScript is involved:

* a torch-function mode sees each call of a torch function (``F.linear``,
  ``torch.matmul``, ``F.batch_norm``, ``Tensor.add_``...), the level a JIT graph shows.
  Such a call is recorded as one operator, and what runs inside it is not;
* a pure-Python torch function the table below does not know (e.g.
  ``F.multi_head_attention_forward``) is looked into instead: a dispatch mode records
  the ``aten`` operators it runs, as a JIT graph would show its inner calls.

Forward hooks on every module keep the stack of modules executing ``forward``.
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

from treadle.analysis.handles import TensorInfo


@dataclass(frozen=True)
class OpRecord:
    """One operator call: ``name`` (``'aten::linear'``), its arguments in the operator's
    schema order and its results (tensors as :class:`TensorInfo`), and ``scope``: the
    canonical names of the modules executing ``forward`` then, outermost first."""

    name: str
    inputs: list[Any]
    outputs: list[Any]
    scope: tuple[str, ...]


@dataclass
class Recording:
    """The operators of one forward pass, in calling order, and the scopes of the
    looked-into functions (a module whose forward only called, say, ``F.dropout`` in eval
    mode ran no operator but was called)."""

    ops: list[OpRecord] = field(default_factory=list)
    scopes: set[tuple[str, ...]] = field(default_factory=set)


def _info(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return TensorInfo(tuple(value.shape), value.dtype)
    if isinstance(value, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in value):
        return [_info(v) for v in value]
    return value


def _outputs(result: Any) -> list[Any]:
    if isinstance(result, (tuple, list)):
        return [_info(v) for v in result]
    return [_info(result)]


# --- torch functions recorded as the aten operator a JIT graph names -------------------------
# each adapter gives (operator name, arguments in that operator's schema order)

Adapter = Callable[[tuple, dict], tuple[str, list]]


def _positional(op: str, names: tuple[str, ...], *extra: Any) -> Adapter:
    """An adapter taking the arguments ``names`` (by position or keyword), then ``extra``."""

    def adapter(args: tuple, kwargs: dict) -> tuple[str, list]:
        given = [args[i] if i < len(args) else kwargs.get(name) for i, name in enumerate(names)]
        return op, [*given, *extra]

    return adapter


_CONV = ("input", "weight", "bias")
BUILTIN_OPS: dict[str, Adapter] = {
    "linear": _positional("aten::linear", ("input", "weight", "bias")),
    # _convolution's transposed flag is its 7th argument (after stride, padding, dilation)
    **{f"conv{d}d": _positional("aten::_convolution", _CONV, None, None, None, False)
       for d in (1, 2, 3)},
    **{f"conv_transpose{d}d": _positional("aten::_convolution", _CONV, None, None, None, True)
       for d in (1, 2, 3)},
    "addmm": _positional("aten::addmm", ("input", "mat1", "mat2")),
    "mm": _positional("aten::mm", ("input", "mat2")),
    "bmm": _positional("aten::bmm", ("input", "mat2")),
    "matmul": _positional("aten::matmul", ("input", "other")),
}  # fmt: skip


@functools.cache
def _signature(func: Callable) -> inspect.Signature:
    return inspect.signature(func)


def _bound(func: Callable, args: tuple, kwargs: dict) -> dict[str, Any]:
    bound = _signature(func).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.arguments


def _batch_norm(a: dict) -> tuple[str, list]:
    order = ("input", "weight", "bias", "running_mean", "running_var", "training")
    return "aten::batch_norm", [a[k] for k in order]


def _instance_norm(a: dict) -> tuple[str, list]:
    order = ("input", "weight", "bias", "running_mean", "running_var", "use_input_stats")
    return "aten::instance_norm", [a[k] for k in order]


def _interpolate(a: dict) -> tuple[str, list]:
    x, mode = a["input"], a["mode"]
    spatial = x.dim() - 2
    if mode == "area":  # adaptive average pooling to the output size
        name = f"adaptive_avg_pool{spatial}d"
    elif mode in ("linear", "bilinear", "trilinear"):
        name = f"upsample_{mode}{spatial}d"
    else:  # 'nearest', 'nearest-exact', 'bicubic'
        prefix = "_upsample_" if mode == "nearest-exact" else "upsample_"
        name = f"{prefix}{mode.replace('-', '_')}{spatial}d"
    return f"aten::{name}", [x, a["size"], a["scale_factor"]]


PYTHON_OPS: dict[Callable, Callable[[dict], tuple[str, list]]] = {
    F.batch_norm: _batch_norm,
    F.instance_norm: _instance_norm,
    F.group_norm: lambda a: (
        "aten::group_norm",
        [a["input"], a["num_groups"], a["weight"], a["bias"]],
    ),
    F.layer_norm: lambda a: (
        "aten::layer_norm",
        [a["input"], a["normalized_shape"], a["weight"], a["bias"]],
    ),
    F.interpolate: _interpolate,
    F.adaptive_avg_pool2d: lambda a: ("aten::adaptive_avg_pool2d", [a["input"], a["output_size"]]),
    F.grid_sample: lambda a: ("aten::grid_sampler", [a["input"], a["grid"]]),
    torch.functional.einsum: lambda a: ("aten::einsum", [a["args"][0], _operands(a["args"])]),
}


def _operands(args: tuple) -> list:
    operands = args[1:]
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        return list(operands[0])
    return list(operands)


# dtype and device conversions: a JIT trace shows each of these as one aten::to
_CONVERSIONS = {"float", "half", "double", "bfloat16", "long", "int", "short", "char", "byte",
                "bool", "type", "cpu", "cuda"}  # fmt: skip

_IN_PLACE = {"iadd", "isub", "imul", "itruediv", "ifloordiv", "imod", "ipow", "iand", "ior"}


def _function_name(name: str) -> str:
    """``Tensor.__iadd__`` -> ``add_``, ``__radd__`` -> ``add``, ``__truediv__`` -> ``div``,
    ``Tensor.float`` -> ``to``."""
    if name in _CONVERSIONS:
        return "to"
    if name.startswith("__") and name.endswith("__") and name != "__get__":
        core = name[2:-2]
        if core in _IN_PLACE:
            core = core[1:] + "_"
        elif core.startswith("r") and "i" + core[1:] in _IN_PLACE:
            core = core[1:]
        return core.replace("truediv", "div")
    return name


# --- aten operators seen inside pure-Python torch functions ------------------------------------


def _dispatch_op(func: Any, args: tuple, kwargs: dict) -> tuple[str, list]:
    name = func.overloadpacket.__name__
    if name in ("convolution", "_convolution"):
        return "aten::_convolution", list(args[:7])
    if name in ("native_batch_norm", "_native_batch_norm_legit", "cudnn_batch_norm"):
        return "aten::batch_norm", list(args[:6])
    if name == "_native_batch_norm_legit_no_training":
        return "aten::batch_norm", [*args[:5], False]
    if name == "native_layer_norm":
        return "aten::layer_norm", list(args[:4])
    if name == "native_group_norm":  # (input, weight, bias, N, C, HxW, group, eps)
        return "aten::group_norm", [args[0], args[6], args[1], args[2]]
    if name == "_adaptive_avg_pool2d":
        return "aten::adaptive_avg_pool2d", list(args)
    if name == "grid_sampler_2d":
        return "aten::grid_sampler", list(args)
    if name.startswith("_") and not name.startswith("__"):
        name = name[1:]
    return f"aten::{name}", [*args, *kwargs.values()]


class _State:
    """What both modes share: the module stack, the recording, and whether a recorded torch
    function is running (its inner aten operators are then part of it, not recorded)."""

    def __init__(self, recording: Recording, root: tuple[str, ...]) -> None:
        self.recording = recording
        self.stack: list[str] = list(root)
        self.inside_recorded = 0

    def record(self, name: str, inputs: list, result: Any) -> None:
        scope = tuple(self.stack) or ("",)
        op = OpRecord(name, [_info(v) for v in inputs], _outputs(result), scope)
        self.recording.ops.append(op)


class _FunctionRecorder(TorchFunctionMode):
    def __init__(self, state: _State) -> None:
        super().__init__()
        self.state = state

    def __torch_function__(self, func, types_, args=(), kwargs=None):
        kwargs = kwargs or {}
        adapter = PYTHON_OPS.get(func)
        if adapter is None and isinstance(func, types.FunctionType):
            self.state.recording.scopes.add(tuple(self.state.stack) or ("",))
            return func(*args, **kwargs)  # looked into: the dispatch mode records its operators
        if adapter is not None:
            name, inputs = adapter(_bound(func, args, kwargs))
        else:
            func_name = getattr(func, "__name__", type(func).__name__)
            builtin = BUILTIN_OPS.get(func_name)
            if builtin is not None:
                name, inputs = builtin(args, kwargs)
            else:
                name, inputs = f"aten::{_function_name(func_name)}", [*args, *kwargs.values()]
        state = self.state
        state.inside_recorded += 1
        try:
            result = func(*args, **kwargs)
        finally:
            state.inside_recorded -= 1
        state.record(name, inputs, result)
        return result


class _DispatchRecorder(TorchDispatchMode):
    def __init__(self, state: _State) -> None:
        super().__init__()
        self.state = state

    def __torch_dispatch__(self, func, types_, args=(), kwargs=None):
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        if not self.state.inside_recorded:
            name, inputs = _dispatch_op(func, args, kwargs)
            self.state.record(name, inputs, result)
        return result


@contextmanager
def _module_scopes(modules: dict[nn.Module, str], state: _State) -> Iterator[None]:
    """Push a module's canonical name while its ``forward`` runs (popped even if it raises)."""
    stack = state.stack

    def enter(name: str) -> Callable[..., None]:
        return lambda module, args: stack.append(name)

    def leave(module: nn.Module, args: Any, output: Any) -> None:
        stack.pop()

    handles = []
    try:
        for module, name in modules.items():
            handles.append(module.register_forward_pre_hook(enter(name)))
            handles.append(module.register_forward_hook(leave, always_call=True))
        yield
    finally:
        for handle in handles:
            handle.remove()


WRAPPERS = (nn.parallel.DistributedDataParallel, nn.DataParallel)


def record_ops(model: nn.Module, inputs: Any, names: dict[nn.Module, str]) -> Recording:
    """Call ``model`` on ``inputs`` (a tuple: the positional arguments; anything else: the
    one argument) and record its operators. ``names`` maps each module to the canonical
    name its statistics go under. A data-parallel wrapper is looked through (its own
    forward would broadcast and synchronise), its name staying the outermost scope."""
    recording = Recording()
    root: tuple[str, ...] = ()
    if isinstance(model, WRAPPERS):
        root, model = (names[model],), model.module
    state = _State(recording, root)
    args = inputs if isinstance(inputs, tuple) else (inputs,)
    with _module_scopes(names, state), _DispatchRecorder(state), _FunctionRecorder(state):
        model(*args)
    return recording
