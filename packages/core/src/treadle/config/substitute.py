"""Text substitutions applied to a config file before it is parsed.

In MMEngine's order: predefined variables (``{{fileDirname}}`` ...), then
environment variables (``{{$NAME:default}}``), then ``{{_base_.a.b}}`` references,
which become placeholder strings here and are swapped for the base values
after parsing (so they work in every format). Nothing runs unless the text
contains ``{{``.
"""

from __future__ import annotations

import os

from treadle.config.errors import BaseReferenceError, ConfigParsingError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

REF_PREFIX = "__treadle_base_ref__:"
_PREDEFINED = ("fileDirname", "fileBasename", "fileBasenameNoExtension", "fileExtname")


def _is_word(text: str) -> bool:
    return bool(text) and all(c.isalnum() or c == "_" for c in text)


def _replace_braces(text: str, replace: Callable[[str], str | None]) -> str:
    """``text`` with each ``{{inner}}`` for which ``replace(inner)`` is not None replaced.

    A plain scan instead of regular expressions: importing ``re`` would cost more
    than loading a whole config.
    """
    parts = []
    done = 0
    start = text.find("{{")
    while start != -1:
        end = text.find("}}", start + 2)
        if end == -1:
            break
        new = replace(text[start + 2 : end])
        if new is None:
            start = text.find("{{", start + 1)
            continue
        parts.append(text[done:start])
        parts.append(new)
        done = end + 2
        start = text.find("{{", done)
    if not parts:
        return text
    parts.append(text[done:])
    return "".join(parts)


def predefined_variables(text: str, path: str) -> str:
    """Replace ``{{fileDirname}}``, ``{{fileBasename}}`` ... with parts of ``path``."""
    dirname, basename = os.path.split(path)
    values = {
        "fileDirname": dirname,
        "fileBasename": basename,
        "fileBasenameNoExtension": os.path.splitext(basename)[0],
        "fileExtname": os.path.splitext(path)[1],
    }

    def replace(inner: str) -> str | None:
        name = inner.strip()
        return values[name].replace("\\", "/") if name in _PREDEFINED else None

    return _replace_braces(text, replace)


def environment_variables(text: str, path: str) -> tuple[str, dict[str, str]]:
    """Replace ``{{$NAME:default}}`` (optionally quoted inside the braces); report those used."""
    used: dict[str, str] = {}

    def replace(inner: str) -> str | None:
        body = inner[1:] if inner[:1] in ("'", '"') else inner
        body = body[:-1] if body[-1:] in ("'", '"') else body
        body = body.strip()
        name, colon, default = body[1:].partition(":")
        name, default = name.rstrip(), default.strip()
        if body[:1] != "$" or not colon or not _is_word(name) or any(c.isspace() for c in default):
            return None
        value = os.environ.get(name, default)
        if name in os.environ:
            used[name] = value
        if not value:
            raise ConfigParsingError(
                f"{path}: environment variable {name!r} in {{{{{inner}}}}} is not set "
                f"and has no default: set {name} or write {{{{${name}:default}}}}"
            )
        return value

    return _replace_braces(text, replace), used


def base_references(text: str) -> tuple[str, set[str]]:
    """Replace ``{{_base_.a.b}}`` with a quoted placeholder; return the references."""
    refs: set[str] = set()

    def replace(inner: str) -> str | None:
        body = inner.strip()
        ref = body[len("_base_.") :]
        if not body.startswith("_base_.") or not _is_word(ref.replace(".", "")):
            return None
        refs.add(ref)
        return f'"{REF_PREFIX}{ref}"'

    return _replace_braces(text, replace), refs


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
