"""Text substitutions applied to a config file before it is parsed.

In MMEngine's order: predefined variables (``{{fileDirname}}`` ...), then
environment variables (``{{$NAME:default}}``), then ``{{_base_.a.b}}`` references,
which become placeholder strings here and are swapped for the base values
after parsing (so they work in every format). Nothing runs unless the text
contains ``{{``.
"""

from __future__ import annotations

import os
import re

from treadle.config.errors import BaseReferenceError, ConfigParsingError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_PREDEFINED = re.compile(
    r"\{\{\s*(fileDirname|fileBasenameNoExtension|fileBasename|fileExtname)\s*\}\}"
)
_ENV = re.compile(r"\{\{['\"]?\s*\$(\w+)\s*:\s*(\S*?)\s*['\"]?\}\}")
_BASE_REF = re.compile(r"\{\{\s*_base_\.([\w.]+)\s*\}\}")
REF_PREFIX = "__treadle_base_ref__:"


def predefined_variables(text: str, path: str) -> str:
    """Replace ``{{fileDirname}}``, ``{{fileBasename}}`` ... with parts of ``path``."""
    dirname, basename = os.path.split(path)
    values = {
        "fileDirname": dirname,
        "fileBasename": basename,
        "fileBasenameNoExtension": os.path.splitext(basename)[0],
        "fileExtname": os.path.splitext(path)[1],
    }
    return _PREDEFINED.sub(lambda m: values[m.group(1)].replace("\\", "/"), text)


def environment_variables(text: str, path: str) -> tuple[str, dict[str, str]]:
    """Replace ``{{$NAME:default}}`` (optionally quoted inside the braces); report those used."""
    used: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        value = os.environ.get(name, default)
        if name in os.environ:
            used[name] = value
        if not value:
            raise ConfigParsingError(
                f"{path}: environment variable {name!r} in {match.group(0)!r} is not set "
                f"and has no default: set {name} or write {{{{${name}:default}}}}"
            )
        return value

    return _ENV.sub(replace, text), used


def base_references(text: str) -> tuple[str, set[str]]:
    """Replace ``{{_base_.a.b}}`` with a quoted placeholder; return the references."""
    refs: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        refs.add(match.group(1))
        return f'"{REF_PREFIX}{match.group(1)}"'

    return _BASE_REF.sub(replace, text), refs


def lookup_reference(ref: str, base: dict[str, Any], path: str) -> Any:
    """The value at dotted ``ref`` in the merged bases of ``path``."""
    value: Any = base
    walked = []
    for part in ref.split("."):
        if not isinstance(value, dict) or part not in value:
            where = ".".join(walked) or "the merged bases"
            raise BaseReferenceError(
                f"{path}: {{{{_base_.{ref}}}}} refers to a key its bases do not define: "
                f"no {part!r} in {where}"
                + (f" (keys: {', '.join(map(str, value))})" if isinstance(value, dict) else "")
            )
        value = value[part]
        walked.append(part)
    return value


def resolve_references(value: Any, base: dict[str, Any], path: str) -> Any:
    """``value`` with every placeholder string replaced by the referenced base value."""
    if isinstance(value, str):
        if value.startswith(REF_PREFIX):
            return lookup_reference(value[len(REF_PREFIX) :], base, path)
        if REF_PREFIX in value:
            ref = value.split(REF_PREFIX, 1)[1].split('"', 1)[0]
            raise ConfigParsingError(
                f"{path}: {{{{_base_.{ref}}}}} stands inside a string; a base reference must be "
                f"a whole value (unquoted), e.g. `x = {{{{_base_.{ref}}}}}`. In a .py config "
                f"use the expression `_base_.{ref}` to build strings from it."
            )
        return value
    if isinstance(value, dict):
        for key, item in value.items():
            new = resolve_references(item, base, path)
            if new is not item:
                value[key] = new
        return value
    kind = type(value)
    if kind is list or kind is tuple:
        items = [resolve_references(item, base, path) for item in value]
        if any(new is not old for new, old in zip(items, value, strict=True)):
            return kind(items)
    return value
