"""Per-module and per-operator statistics of a model from one recorded forward pass.

``FlopAnalyzer`` and ``ActivationAnalyzer`` keep MMEngine's interface (after fvcore's
``JitModelAnalysis``). The model runs once, on the first statistic asked for; changing
the handles recomputes the statistics from that recording without running it again.
"""

from __future__ import annotations

import logging
import typing
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from numbers import Number
from typing import Any, TypeVar

from torch import nn

from treadle.analysis.handles import ACTIVATION_HANDLES, FLOP_HANDLES, IGNORED_OPS, Handle
from treadle.analysis.recorder import Recording, record_ops

T = TypeVar("T", bound="ModelAnalysis")


@dataclass
class Statistics:
    """Counts and unsupported operators by module, and the modules never called."""

    counts: dict[str, typing.Counter[str]]
    unsupported_ops: dict[str, typing.Counter[str]]
    uncalled_mods: set[str]


def named_modules_with_dup(model: nn.Module, prefix: str = "") -> Iterator[tuple[str, nn.Module]]:
    """Like ``named_modules()``, but a module reachable under several names comes under each."""
    yield prefix, model
    for name, module in model._modules.items():
        if module is not None:
            yield from named_modules_with_dup(module, f"{prefix}.{name}" if prefix else name)


def _aliases(model: nn.Module) -> dict[nn.Module | str, str]:
    """Every module and module name -> the canonical name (the first a shared module has)."""
    aliases: dict[nn.Module | str, str] = {}
    for name, module in named_modules_with_dup(model):
        aliases.setdefault(module, name)
        aliases[name] = aliases[module]
    return aliases


_NO_FORWARD = (nn.ModuleList, nn.ModuleDict, nn.Module, nn.Identity)


class ModelAnalysis:
    """A statistic of ``model`` run on ``inputs``, summed per module and per operator.

    Each recorded operator with a handle (see :meth:`set_op_handle`) adds its count to
    the module it ran in and to that module's ancestors. Module names are those of
    ``named_modules()``: the model is ``''``, then ``'child.grandchild'``. An operator
    belongs to a module only when the module was called (``module(...)``), not when
    its ``forward`` or another method was.

    Args:
        model: the model to analyse.
        inputs: its input: a tuple holds the positional arguments; anything else (a
            tensor, a dict, a list of data samples) is the one argument.
    """

    def __init__(self, model: nn.Module, inputs: Any) -> None:
        self._model = model
        self._inputs = inputs
        self._op_handles: dict[str, Handle] = {}
        self._ignored_ops: set[str] = set(IGNORED_OPS)
        self._named_modules = dict(named_modules_with_dup(model))
        self._aliases = _aliases(model)
        self._recording: Recording | None = None
        self._stats: Statistics | None = None
        self._enable_warn_unsupported_ops = True
        self._enable_warn_uncalled_mods = True
        self._warn_trace = "no_tracer_warning"
        self._ancestor_mode = "owner"

    # --- results -------------------------------------------------------------------------

    def total(self, module_name: str = "") -> int:
        """The statistic summed over all operators of ``module_name`` (default: the model)."""
        return sum(self.by_operator(module_name).values())

    def by_operator(self, module_name: str = "") -> typing.Counter[str]:
        """The statistic of ``module_name`` per operator (``'conv'``, ``'linear'``...)."""
        return self._analyze().counts[self.canonical_module_name(module_name)]

    def by_module_and_operator(self) -> dict[str, typing.Counter[str]]:
        """``{module name: Counter over operators}`` for every module."""
        return self._analyze().counts

    def by_module(self) -> typing.Counter[str]:
        """``Counter({module name: statistic summed over operators})`` for every module."""
        counts = self._analyze().counts
        return Counter({name: sum(ops.values()) for name, ops in counts.items()})

    def unsupported_ops(self, module_name: str = "") -> typing.Counter[str]:
        """How often each operator without a handle (and not ignored) ran in ``module_name``."""
        if self._stats is None:
            raise RuntimeError(
                "unsupported_ops() reads the last analysis: ask for a statistic first "
                "(e.g. .total())"
            )
        return self._stats.unsupported_ops[self.canonical_module_name(module_name)]

    def uncalled_modules(self) -> set[str]:
        """Modules within which no operator ran: unused, identities, or only reached through
        ``.forward()`` or other methods (their operators then count in the caller)."""
        return self._analyze().uncalled_mods

    # --- settings (each returns self, to chain) --------------------------------------------

    def set_op_handle(self: T, *args: Any, **kwargs: Handle | None) -> T:
        """Add or replace operator handles: ``('aten::mm', handle, ...)`` pairs and/or
        ``name=handle`` keywords. A ``None`` handle drops the operator from the counts
        and from the unsupported report."""
        if len(args) % 2:
            raise TypeError(
                "set_op_handle takes (name, handle) pairs, e.g. "
                f"set_op_handle('aten::mm', handle); got {len(args)} positional arguments"
            )
        handles = dict(zip(args[::2], args[1::2], strict=True)) | kwargs
        for name, handle in handles.items():
            if handle is None:
                self._op_handles.pop(name, None)
                self._ignored_ops.add(name)
            else:
                self._op_handles[name] = handle
                self._ignored_ops.discard(name)
        self._stats = None
        return self

    def clear_op_handles(self: T) -> T:
        """Forget every handle (and every operator ignored through :meth:`set_op_handle`)."""
        self._op_handles = {}
        self._ignored_ops = set(IGNORED_OPS)
        self._stats = None
        return self

    def canonical_module_name(self, name: str) -> str:
        """The name a module's statistics are under (a shared module's first name)."""
        if not isinstance(name, str):
            raise TypeError(f"a module name is a str, got {type(name).__name__}: {name!r}")
        try:
            return self._aliases[name]
        except KeyError:
            raise KeyError(
                f"{name!r} is not a module of the analysed {type(self._model).__name__} "
                "(names are those of model.named_modules(); the model itself is '')"
            ) from None

    def copy(self, new_model: nn.Module | None = None, new_inputs: Any = None) -> ModelAnalysis:
        """A new analysis with the same settings, on another model and/or inputs."""
        model = self._model if new_model is None else new_model
        inputs = self._inputs if new_inputs is None else new_inputs
        analysis = type(self).__new__(type(self))
        ModelAnalysis.__init__(analysis, model, inputs)
        analysis._op_handles = dict(self._op_handles)
        analysis._ignored_ops = set(self._ignored_ops)
        analysis._enable_warn_unsupported_ops = self._enable_warn_unsupported_ops
        analysis._enable_warn_uncalled_mods = self._enable_warn_uncalled_mods
        analysis._warn_trace = self._warn_trace
        analysis._ancestor_mode = self._ancestor_mode
        if new_model is None and new_inputs is None:
            analysis._recording = self._recording
        return analysis

    def tracer_warnings(self: T, mode: str) -> T:
        """Which warnings the model's forward may raise during the analysis: ``'all'``,
        ``'no_tracer_warning'`` (the default; Treadle does not trace, so as ``'all'``) or
        ``'none'``."""
        if mode not in ("all", "no_tracer_warning", "none"):
            raise ValueError(
                f"tracer_warnings mode must be 'all', 'no_tracer_warning' or 'none', got {mode!r}"
            )
        self._warn_trace = mode
        return self

    def ancestor_mode(self: T, mode: str) -> T:
        """Which modules an operator counts in besides the one it ran in: ``'owner'`` (its
        parents by name, the default) or ``'caller'`` (every module executing ``forward``
        then). They differ only when a module calls a module it does not own."""
        if mode not in ("owner", "caller"):
            raise ValueError(f"ancestor_mode must be 'owner' or 'caller', got {mode!r}")
        self._ancestor_mode = mode
        self._stats = None
        return self

    def unsupported_ops_warnings(self: T, enabled: bool) -> T:
        """Whether the analysis logs the operators it had no handle for (default True)."""
        self._enable_warn_unsupported_ops = enabled
        return self

    def uncalled_modules_warnings(self: T, enabled: bool) -> T:
        """Whether the analysis logs the modules that were never called (default True)."""
        self._enable_warn_uncalled_mods = enabled
        return self

    # --- the analysis ----------------------------------------------------------------------

    def recording(self) -> Recording:
        """The model's operators, recorded by running it once (the first time asked)."""
        if self._recording is None:
            with warnings.catch_warnings():
                if self._warn_trace == "none":
                    warnings.simplefilter("ignore")
                names = {m: self._aliases[m] for m in self._aliases if isinstance(m, nn.Module)}
                self._recording = record_ops(self._model, self._inputs, names)
        return self._recording

    def _ancestors(self, scope: tuple[str, ...]) -> set[str]:
        if self._ancestor_mode == "caller":
            return set(scope)
        parts = self.canonical_module_name(scope[-1]).split(".")
        return {".".join(parts[:k]) for k in range(len(parts) + 1)} | {""}

    def _analyze(self) -> Statistics:
        if self._stats is not None:
            return self._stats
        names = list(dict.fromkeys(self._aliases.values()))  # the order of named_modules()
        counts: dict[str, typing.Counter[str]] = {name: Counter() for name in names}
        unsupported: dict[str, typing.Counter[str]] = {name: Counter() for name in names}
        seen: set[str] = set()
        for scope in self.recording().scopes:
            seen.update(scope)
            seen.update(self._ancestors(scope))
        for op in self.recording().ops:
            ancestors = self._ancestors(op.scope)
            seen.update(op.scope)
            seen.update(ancestors)
            handle = self._op_handles.get(op.name)
            if handle is None:
                if op.name not in self._ignored_ops:
                    for name in ancestors:
                        unsupported[name][op.name] += 1
                continue
            op_counts = handle(op.inputs, op.outputs)
            if isinstance(op_counts, Number):
                op_counts = Counter({op.name.split("::")[-1]: op_counts})
            for name in ancestors:
                counts[name].update(op_counts)
        self._stats = Statistics(counts, unsupported, set(names) - seen)
        self._warn(unsupported[""], self._stats.uncalled_mods)
        return self._stats

    def _warn(self, unsupported: typing.Counter[str], uncalled: set[str]) -> None:
        from treadle.logging import print_log

        if self._enable_warn_unsupported_ops:
            for op, times in unsupported.items():
                print_log(
                    f"{type(self).__name__}: no handle for operator {op} (ran {times} "
                    "time(s)); it counts as 0 (add one with set_op_handle)",
                    "current",
                    logging.WARNING,
                )
        uncalled = {name for name in uncalled if self._has_forward(name)}
        if self._enable_warn_uncalled_mods and uncalled:
            print_log(
                f"{type(self).__name__}: these modules were never called, so their statistics "
                "are 0; if they ran through .forward() or another method, their operators "
                "count in the module that called it: " + ", ".join(sorted(uncalled)),
                "current",
                logging.WARNING,
            )

    def _has_forward(self, name: str) -> bool:
        module = self._named_modules.get(name)
        if module is None:
            return False
        forward = type(module).forward
        return all(forward is not cls.forward for cls in _NO_FORWARD)


class FlopAnalyzer(ModelAnalysis):
    """Flops per module and operator, one fused multiply-add counting as one flop.

    Counted by default: convolutions, ``linear``, ``addmm``, ``mm``, ``bmm``, ``matmul``,
    ``einsum``, batch/group/layer/instance norms, nearest and bilinear 2-d upsampling,
    2-d adaptive average pooling and grid sampling. Example::

        flops = FlopAnalyzer(model, (torch.randn(1, 3, 224, 224),))
        flops.total(), flops.by_module(), flops.by_operator('backbone')
    """

    def __init__(self, model: nn.Module, inputs: Any) -> None:
        super().__init__(model, inputs)
        self.set_op_handle(**FLOP_HANDLES)


class ActivationAnalyzer(ModelAnalysis):
    """Activations (output elements) of convolutions and matrix products, per module and
    operator."""

    def __init__(self, model: nn.Module, inputs: Any) -> None:
        super().__init__(model, inputs)
        self.set_op_handle(**ACTIVATION_HANDLES)


def flop_count(
    model: nn.Module, inputs: Any, supported_ops: dict[str, Handle | None] | None = None
) -> tuple[defaultdict[str, float], typing.Counter[str]]:
    """GFlops per operator of ``model`` on ``inputs``, and the unsupported operators.
    ``supported_ops`` adds or replaces handles (``None`` ignores an operator)."""
    analyzer = FlopAnalyzer(model, inputs).set_op_handle(**(supported_ops or {}))
    giga = defaultdict(float, {op: n / 1e9 for op, n in analyzer.by_operator().items()})
    return giga, analyzer.unsupported_ops()


def activation_count(
    model: nn.Module, inputs: Any, supported_ops: dict[str, Handle | None] | None = None
) -> tuple[defaultdict[str, float], typing.Counter[str]]:
    """Millions of activations per operator of ``model`` on ``inputs``, and the unsupported
    operators. ``supported_ops`` adds or replaces handles (``None`` ignores an operator)."""
    analyzer = ActivationAnalyzer(model, inputs).set_op_handle(**(supported_ops or {}))
    mega = defaultdict(float, {op: n / 1e6 for op, n in analyzer.by_operator().items()})
    return mega, analyzer.unsupported_ops()
