"""``Config.where(key)``: which file (and line) or ``--cfg-options`` item set a value.

The loader keeps, for every file of the ``_base_`` tree, the values the file
wrote itself. A key was set by the last ``--cfg-options`` item naming it, else
by the most derived file whose own values hold it (a child before its bases);
for a key inside a list, the file that set the list. Lines are found by
re-reading the file only when asked: Python assignments (also ``a.b = ...`` and
``x['k'] = ...``) and ``dict(...)``/``{...}`` keys, and YAML mapping keys.
"""

from __future__ import annotations

from treadle.config.loader import Source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_MISSING = object()


class Origin:
    """Where a config value was set: a file (with line if known) or a command-line option."""

    __slots__ = ("file", "key", "line", "note", "option", "value")

    def __init__(
        self,
        key: str,
        value: Any,
        file: str | None = None,
        line: int | None = None,
        option: str | None = None,
        note: str | None = None,
    ) -> None:
        self.note = note
        self.key = key
        self.value = value
        self.file = file
        self.line = line
        self.option = option

    def __str__(self) -> str:
        if self.option is not None:
            return f"--cfg-options {self.option}"
        if self.file is None:
            return "not set by any file (set in code)"
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where} ({self.note})" if self.note else where

    def __repr__(self) -> str:
        return f"Origin(key={self.key!r}, at={self!s})"


def _get(value: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(value, dict):
            value = value.get(part, _MISSING)
        elif isinstance(value, (list, tuple)) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
        if value is _MISSING:
            return _MISSING
    return value


def _walk(source: Source) -> list[Source]:
    """Sources in precedence order: a file before its bases."""
    order = [source]
    for base in source.bases:
        order.extend(_walk(base))
    return order


def where(
    cfg: dict[str, Any], source: Source | None, applied: list[dict[str, Any]], key: str
) -> Origin:
    """The :class:`Origin` of dotted ``key`` in ``cfg``; KeyError if the key is not set."""
    parts = key.split(".")
    value = _get(cfg, parts)
    if value is _MISSING:
        raise KeyError(f"config key {key!r} is not set")
    for options in reversed(applied):
        for option, option_value in reversed(list(options.items())):
            if key == option or key.startswith(option + "."):
                return Origin(key, value, option=f"{option}={option_value!r}")
    if source is None:
        return Origin(key, value)
    order = _walk(source)
    if parts[-1] == "_scope_" and all(_get(node.own, parts) is _MISSING for node in order):
        return _stamped(key, value, parts, source)
    for length in range(len(parts), 0, -1):
        prefix = parts[:length]
        for node in order:
            if _get(node.own, prefix) is not _MISSING:
                return Origin(key, value, node.path, _line(node, prefix))
    return Origin(key, value)


def _stamped(key: str, value: Any, parts: list[str], source: Source) -> Origin:
    """``_scope_`` that no file wrote: stamped on what a ``scope::`` base brought."""
    for node in _walk(source):
        if node.scope is not None:
            for inner in _walk(node):
                if _get(inner.own, parts[:-1]) is not _MISSING:
                    return Origin(
                        key,
                        value,
                        inner.path,
                        _line(inner, parts[:-1]),
                        note=f"_scope_ stamped on what the '{node.scope}::' base brings",
                    )
    return Origin(key, value)


def _line(node: Source, parts: list[str]) -> int | None:
    try:
        if node.ext == ".py":
            lines = _python_lines(node.text)
        elif node.ext in (".yaml", ".yml", ".json"):
            lines = _yaml_lines(node.text)
        else:
            return None
    except Exception:  # a line number is a courtesy: the file itself loaded fine
        return None
    for length in range(len(parts), 0, -1):
        found = lines.get(tuple(parts[:length]))
        if found:
            return found
    return None


def _python_lines(text: str) -> dict[tuple[str, ...], int]:
    """Dotted key path -> line of the last statement that set it."""
    import ast

    lines: dict[tuple[str, ...], int] = {}

    def target_path(node: Any) -> tuple[str, ...] | None:
        if isinstance(node, ast.Name):
            return (node.id,)
        if isinstance(node, ast.Attribute):
            head = target_path(node.value)
            return None if head is None else (*head, node.attr)
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            head = target_path(node.value)
            return None if head is None else (*head, str(node.slice.value))
        return None

    def record(path: tuple[str, ...], value: Any, line: int) -> None:
        lines[path] = line
        if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "dict":
            for kw in value.keywords:
                if kw.arg is not None:
                    record((*path, kw.arg), kw.value, kw.value.lineno)
        elif isinstance(value, ast.Dict):
            for k, v in zip(value.keys, value.values, strict=True):
                if isinstance(k, ast.Constant):
                    record((*path, str(k.value)), v, k.lineno)
        elif isinstance(value, (ast.List, ast.Tuple)):
            for i, item in enumerate(value.elts):
                record((*path, str(i)), item, item.lineno)

    for stmt in ast.parse(text).body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                path = target_path(target)
                if path is not None:
                    record(path, stmt.value, stmt.lineno)
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
            path = target_path(stmt.target)
            if path is not None:
                record(path, stmt.value, stmt.lineno)
    return lines


def _yaml_lines(text: str) -> dict[tuple[str, ...], int]:
    import yaml

    lines: dict[tuple[str, ...], int] = {}

    def visit(node: Any, path: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                sub = (*path, str(key_node.value))
                lines[sub] = key_node.start_mark.line + 1
                visit(value_node, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                sub = (*path, str(i))
                lines[sub] = item.start_mark.line + 1
                visit(item, sub)

    visit(yaml.compose(text), ())
    return lines
