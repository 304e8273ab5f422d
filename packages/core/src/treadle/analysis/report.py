"""Parameter counts and the human-readable reports: tables and an annotated ``repr``.

The layouts are MMEngine's (after fvcore): a rich table with ASCII borders, and the
model's ``repr`` with ``#params``/``#flops``/``#acts`` under each module.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import torch
from torch import nn

from treadle.analysis.analyzer import ActivationAnalyzer, FlopAnalyzer

Stats = dict[str, dict[str, Any]]  # module name -> {statistic: value}


def format_size(x: float, sig_figs: int = 3, hide_zero: bool = False) -> str:
    """``1234567`` -> ``'1.235M'``: fixed point with ``sig_figs`` decimals, trailing zeros
    dropped, and a K/M/G/T/P suffix above 100."""
    if hide_zero and x == 0:
        return ""
    for limit, divisor, suffix in ((1e14, 1e15, "P"), (1e11, 1e12, "T"), (1e8, 1e9, "G"),
                                   (1e5, 1e6, "M"), (1e2, 1e3, "K")):  # fmt: skip
        if abs(x) > limit:
            return f"{x / divisor:.{sig_figs}f}".rstrip("0").rstrip(".") + suffix
    return str(x)


def parameter_count(model: nn.Module) -> defaultdict[str, int]:
    """Elements per parameter name and per module name (each module counting its
    descendants); ``''`` is the whole model."""
    count: defaultdict[str, int] = defaultdict(int)
    for name, param in model.named_parameters():
        parts = name.split(".")
        for k in range(len(parts) + 1):
            count[".".join(parts[:k])] += param.numel()
    return count


def _render(table: Any) -> str:
    """The table as text, never wrapped to a terminal's width."""
    from rich.console import Console

    console = Console(width=10_000, color_system=None)
    with console.capture() as capture:
        console.print(table, end="")
    return capture.get()


def _table(headers: list[str], rows: list[list[str]], title: str | None = None) -> str:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, box=box.ASCII2)
    for header in headers:
        table.add_column(header)
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return _render(table)


def parameter_count_table(model: nn.Module, max_depth: int = 3) -> str:
    """A table of the parameter counts of the model's modules (down to ``max_depth``
    levels) and of the shapes of the parameters there."""
    count = parameter_count(model)
    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}

    def short(x: int) -> str:
        for limit, divisor, suffix in ((1e8, 1e9, "G"), (1e5, 1e6, "M"), (1e2, 1e3, "K")):
            if x > limit:
                return f"{x / divisor:.1f}{suffix}"
        return str(x)

    rows = [["model", short(count.pop(""))]]

    def fill(level: int, prefix: str) -> None:
        if level >= max_depth:
            return
        for name, value in count.items():
            if name.count(".") == level and name.startswith(prefix):
                indent = " " * (level + 1)
                if name in shapes:
                    rows.append([indent + name, indent + str(shapes[name])])
                else:
                    rows.append([indent + name, indent + short(value)])
                    fill(level + 1, name + ".")

    fill(0, "")
    headers = ["name", "#elements or shape"]
    return _table(headers, rows, title=f"parameter count of {type(model).__name__}")


# --- shaping the statistics of every module -----------------------------------------------------


def _by_module(statistics: dict[str, dict[str, Any]]) -> Stats:
    """``{statistic: {module: v}}`` -> ``{module: {statistic: v}}``."""
    grouped: Stats = defaultdict(dict)
    for stat, values in statistics.items():
        for module, value in values.items():
            grouped[module][stat] = value
    return dict(grouped)


def _children(name: str, statistics: Stats) -> list[str]:
    prefix = name + "." if name else ""
    depth = prefix.count(".")
    return [m for m in statistics if m and m.count(".") == depth and m.startswith(prefix)]


def _drop_zeros(
    statistics: Stats, force_keep: set[str] | None = None, require_trivial_children: bool = False
) -> Stats:
    """Leave out modules whose statistics are all zero (kept: the model, ``force_keep``,
    and with ``require_trivial_children`` any module with a child kept)."""
    keep_always = (force_keep or set()) | {""}
    kept: Stats = {}

    def visit(name: str) -> None:
        trivial_children = True
        for child in _children(name, statistics):
            visit(child)
            trivial_children &= child not in kept
        if (
            any(value != 0 for value in statistics[name].values())
            or name in keep_always
            or (require_trivial_children and not trivial_children)
        ):
            kept[name] = dict(statistics[name])

    visit("")
    return kept


def _pretty(statistics: Stats, sig_figs: int = 3, hide_zero: bool = False) -> Stats:
    return {
        module: {stat: format_size(v, sig_figs, hide_zero) for stat, v in stats.items()}
        for module, stats in statistics.items()
    }


def _mark_uncalled(statistics: Stats, stat: str, uncalled: set[str], mark: str = "N/A") -> Stats:
    marked = {module: dict(stats) for module, stats in statistics.items()}
    for module in uncalled:
        marked.setdefault(module, {})[stat] = mark
    return marked


def _silence(*analyzers: Any) -> None:
    for analyzer in analyzers:
        if analyzer is not None:
            analyzer.unsupported_ops_warnings(False)
            analyzer.uncalled_modules_warnings(False)
            analyzer.tracer_warnings("none")


# --- the annotated repr -------------------------------------------------------------------------


def _indent(text: str, spaces: int) -> str:
    first, *rest = text.split("\n")
    return "\n".join([first, *(" " * spaces + line for line in rest)])


def _annotated_repr(module: nn.Module, name: str, statistics: Stats) -> str:
    """``repr(module)`` with each module's statistics as an extra line of its own."""
    extra = module.extra_repr().split("\n") if module.extra_repr() else []
    if statistics.get(name):
        extra.append(", ".join(f"{k}: {v}" for k, v in statistics[name].items()))
    children = []
    for key, child in module._modules.items():
        child_name = f"{name}.{key}" if name else key
        children.append(f"({key}): " + _indent(_annotated_repr(child, child_name, statistics), 2))
    lines = extra + children
    text = module._get_name() + "("
    if len(extra) == 1 and not children:
        text += extra[0]
    elif lines:
        text += "\n  " + "\n  ".join(lines) + "\n"
    return text + ")"


def complexity_stats_str(flops: FlopAnalyzer, activations: ActivationAnalyzer | None = None) -> str:
    """The model's ``repr`` with ``#params``, ``#flops`` (and ``#acts``) of each module that
    has any; a module never called shows ``N/A`` (its operators count in its caller)."""
    model = flops._model
    _silence(flops, activations)
    columns: dict[str, dict[str, Any]] = {
        "#params": dict(parameter_count(model)),
        "#flops": flops.by_module(),
    }
    if activations is not None:
        columns["#acts"] = activations.by_module()
    uncalled = flops.uncalled_modules() | (
        activations.uncalled_modules() if activations is not None else set()
    )
    for values in columns.values():  # every module gets every column
        for name, _ in model.named_modules():
            values.setdefault(name, 0)
    stats = _pretty(_drop_zeros(_by_module(columns), force_keep=uncalled), sig_figs=2)
    stats = _mark_uncalled(stats, "#flops", flops.uncalled_modules())
    if activations is not None:
        stats = _mark_uncalled(stats, "#acts", activations.uncalled_modules())
    note = (
        "N/A indicates a possibly missing statistic due to how the module was called. "
        "Missing values are still included in the parent's total.\n"
        if uncalled
        else ""
    )
    return note + _annotated_repr(model, "", stats)


# --- the table ----------------------------------------------------------------------------------


def _merge(a: dict[str, str], b: dict[str, str]) -> dict[str, str] | None:
    """One row for a module and its only child when no shown value conflicts."""
    if a.keys() != b.keys():
        return None
    merged = {}
    for key, va in a.items():
        vb = b[key]
        if va and vb and va != vb:
            return None
        merged[key] = va or vb
    return merged


def _fast_forward(name: str, statistics: Stats) -> tuple[str, dict[str, str]]:
    """Follow single children whose statistics agree, so a chain shows as one row."""
    while True:
        children = _children(name, statistics)
        if len(children) != 1:
            return name, statistics[name]
        merged = _merge(statistics[name], statistics[children[0]])
        if merged is None:
            return name, statistics[name]
        name = children[0]
        statistics[name] = merged


def _stats_table(statistics: Stats, max_depth: int, columns: list[str]) -> str:
    rows: list[list[str]] = []

    def row(name: str, stats: dict[str, str], level: int) -> list[str]:
        indent = " " * level
        return [indent + name] + [indent + stats[c] if c in stats else "" for c in columns]

    root, root_stats = _fast_forward("", statistics)
    rows.append(row(root or "model", root_stats, 0))
    root_prefix = root + "." if root else ""

    def fill(level: int, prefix: str) -> None:
        if level > max_depth:
            return
        depth = prefix.count(".")
        for name in list(statistics):
            if name and name.count(".") == depth and name.startswith(prefix):
                name, stats = _fast_forward(name, statistics)
                shown = name.removeprefix(root_prefix) if root_prefix else name
                rows.append(row(shown, stats, level))
                fill(level + 1, name + ".")

    fill(1, root_prefix)
    return _table(["module", *columns], rows)


def complexity_stats_table(
    flops: FlopAnalyzer,
    max_depth: int = 3,
    activations: ActivationAnalyzer | None = None,
    show_param_shapes: bool = True,
) -> str:
    """A table of ``#parameters`` (or parameter shapes), ``#flops`` and, given
    ``activations``, ``#activations`` per module down to ``max_depth`` levels."""
    params_header = "#parameters" + (" or shape" if show_param_shapes else "")
    model = flops._model
    _silence(flops, activations)
    columns: dict[str, dict[str, Any]] = {
        params_header: dict(parameter_count(model)),
        "#flops": flops.by_module(),
    }
    if activations is not None:
        columns["#activations"] = activations.by_module()
    stats = _pretty(_drop_zeros(_by_module(columns), require_trivial_children=True))
    stats = _mark_uncalled(stats, "#flops", flops.uncalled_modules() & stats.keys(), "")
    if activations is not None:
        uncalled = activations.uncalled_modules() & stats.keys()
        stats = _mark_uncalled(stats, "#activations", uncalled, "")
    for name, param in model.named_parameters():
        if name in stats:
            if show_param_shapes:
                stats[name][params_header] = str(tuple(param.shape))
            else:
                del stats[name]
    return _stats_table(stats, max_depth, list(columns))


# --- the one-call summary ----------------------------------------------------------------------


def _dummy_inputs(model: nn.Module, input_shape: Any) -> tuple[torch.Tensor, ...]:
    """A batch of one random tensor per shape: ``(3, 224, 224)`` or ``((3, 10), (5,))``."""
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")

    def is_shape(value: Any) -> bool:
        return isinstance(value, tuple) and all(isinstance(d, int) for d in value)

    if is_shape(input_shape):
        return (torch.randn(1, *input_shape, device=device),)
    if isinstance(input_shape, tuple) and input_shape and all(map(is_shape, input_shape)):
        return tuple(torch.randn(1, *shape, device=device) for shape in input_shape)
    raise ValueError(
        f"input_shape must be a tuple of ints (one input, e.g. (3, 224, 224)) or a tuple of "
        f"such tuples (one per input), without the batch dimension; got {input_shape!r}"
    )


def get_model_complexity_info(
    model: nn.Module,
    input_shape: tuple[int, ...] | tuple[tuple[int, ...], ...] | None = None,
    inputs: Any = None,
    show_table: bool = True,
    show_arch: bool = True,
    max_depth: int = 3,
) -> dict[str, Any]:
    """Flops, activations and parameters of ``model``, as numbers, short strings and reports.

    Give either ``input_shape`` (random inputs with a batch of 1 are made from it) or
    ``inputs`` (a tuple holds the positional arguments; anything else is the one argument).

    ``max_depth`` (a Treadle addition) is how many module levels the table shows.

    Returns:
        ``flops``, ``flops_str``, ``activations``, ``activations_str``, ``params``,
        ``params_str``, and the reports ``out_table`` and ``out_arch`` ('' when not asked).
    """
    if (input_shape is None) == (inputs is None):
        raise ValueError(
            "get_model_complexity_info needs exactly one of input_shape (e.g. (3, 224, 224)) "
            f"and inputs; got {'neither' if input_shape is None else 'both'}"
        )
    if inputs is None:
        inputs = _dummy_inputs(model, input_shape)
    flop_analyzer = FlopAnalyzer(model, inputs)
    activation_analyzer = ActivationAnalyzer(model, inputs)
    # one forward pass for both, so the modules never called are the same: say it once
    activation_analyzer._recording = flop_analyzer.recording()
    activation_analyzer.uncalled_modules_warnings(False)
    flops = flop_analyzer.total()
    activations = activation_analyzer.total()
    params = parameter_count(model)[""]
    table = arch = ""
    if show_table:
        table = "\n" + complexity_stats_table(
            flop_analyzer, max_depth, activations=activation_analyzer, show_param_shapes=True
        )
    if show_arch:
        arch = "\n" + complexity_stats_str(flop_analyzer, activations=activation_analyzer)
    return {
        "flops": flops,
        "flops_str": format_size(flops),
        "activations": activations,
        "activations_str": format_size(activations),
        "params": params,
        "params_str": format_size(params),
        "out_table": table,
        "out_arch": arch,
    }
