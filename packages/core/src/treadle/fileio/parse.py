"""``list_from_file`` and ``dict_from_file``: line-oriented text files from any backend."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from treadle.fileio.backends.base import PathLike
from treadle.fileio.io import get_text, resolve_backend_args


def list_from_file(
    filename: PathLike,
    prefix: str = "",
    offset: int = 0,
    max_num: int = 0,
    encoding: str = "utf-8",
    file_client_args: dict[str, Any] | None = None,
    backend_args: dict[str, Any] | None = None,
) -> list[str]:
    """The file's lines from ``offset`` on (at most ``max_num`` if > 0), each after ``prefix``."""
    backend_args = resolve_backend_args(file_client_args, backend_args)
    text = get_text(filename, encoding, backend_args=backend_args)
    lines = io.StringIO(text).readlines()[offset:]  # split at "\n" only, as MMEngine does
    if max_num > 0:
        lines = lines[:max_num]
    return [prefix + line.rstrip("\n\r") for line in lines]


def dict_from_file(
    filename: PathLike,
    key_type: Callable[[str], Any] = str,
    encoding: str = "utf-8",
    file_client_args: dict[str, Any] | None = None,
    backend_args: dict[str, Any] | None = None,
) -> dict[Any, Any]:
    """A dict from whitespace-separated lines: ``key value`` or ``key v1 v2 ...`` (a list)."""
    mapping: dict[Any, Any] = {}
    backend_args = resolve_backend_args(file_client_args, backend_args)
    text = get_text(filename, encoding, backend_args=backend_args)
    for lineno, line in enumerate(io.StringIO(text), 1):
        items = line.split()
        if not items:
            continue
        if len(items) < 2:
            raise ValueError(f"{filename}, line {lineno}: expected 'key value ...', got {line!r}")
        mapping[key_type(items[0])] = items[1:] if len(items) > 2 else items[1]
    return mapping
