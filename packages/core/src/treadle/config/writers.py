"""Writing a config back out: readable Python (``pretty_text``), JSON and YAML.

The Python form keeps the config's key order, writes ``dict(k=v)`` when every
key is an identifier (a ``{...}`` literal otherwise), and breaks a value over
lines only when it does not fit in :data:`WIDTH` columns. Loading any of the
three forms back gives an equal dict (JSON has no tuples: they come back as lists).
"""

from __future__ import annotations

import keyword
import math

from treadle.config.errors import ConfigError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

WIDTH = 100
INDENT = "    "


def _is_name(key: object) -> bool:
    return isinstance(key, str) and key.isidentifier() and not keyword.iskeyword(key)


def _scalar(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return f"float('{value}')"
    return repr(value)


def _items(value: Any) -> tuple[str, str, list[tuple[str, Any]]]:
    """Opening, closing and (prefix, item) pairs of a container."""
    if isinstance(value, dict):
        if all(_is_name(key) for key in value):
            return "dict(", ")", [(f"{key}=", item) for key, item in value.items()]
        return "{", "}", [(f"{_scalar(key)}: ", item) for key, item in value.items()]
    if isinstance(value, tuple):
        return "(", ")", [("", item) for item in value]
    return "[", "]", [("", item) for item in value]


def _one_line(value: Any) -> str:
    if not isinstance(value, (dict, list, tuple)):
        return _scalar(value)
    opening, closing, items = _items(value)
    inner = ", ".join(prefix + _one_line(item) for prefix, item in items)
    if isinstance(value, tuple) and len(value) == 1:
        inner += ","
    return opening + inner + closing


def format_value(value: Any, column: int = 0, depth: int = 0) -> str:
    """``value`` as Python source, starting at ``column`` on a line indented ``depth`` levels."""
    flat = _one_line(value)
    if column + len(flat) <= WIDTH or not isinstance(value, (dict, list, tuple)) or not value:
        return flat
    opening, closing, items = _items(value)
    pad = INDENT * (depth + 1)
    lines = [opening]
    for prefix, item in items:
        text = format_value(item, len(pad) + len(prefix) + 1, depth + 1)
        lines.append(f"{pad}{prefix}{text},")
    lines.append(INDENT * depth + closing)
    return "\n".join(lines)


def format_python(cfg: dict[str, Any]) -> str:
    """A .py config (``name = value`` lines) that loads back to ``cfg``."""
    lines = []
    for key, value in cfg.items():
        if not _is_name(key):
            raise ConfigError(
                f"top-level key {key!r} is not a Python name, so the config cannot be "
                f"written as .py: dump it to .json or .yaml instead"
            )
        lines.append(f"{key} = {format_value(value, len(key) + 3)}")
    return "\n".join(lines) + "\n"


def format_json(cfg: dict[str, Any]) -> str:
    import json

    return json.dumps(cfg, indent=4, ensure_ascii=False) + "\n"


def format_yaml(cfg: dict[str, Any]) -> str:
    from treadle.config.yaml_io import dumps

    return dumps(cfg)


FORMATTERS = {
    ".py": format_python,
    ".json": format_json,
    ".yaml": format_yaml,
    ".yml": format_yaml,
}
