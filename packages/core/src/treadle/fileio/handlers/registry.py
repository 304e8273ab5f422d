"""Which handler reads and writes which ``file_format``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from treadle.fileio.errors import UnsupportedFormatError
from treadle.fileio.handlers.base import BaseFileHandler
from treadle.fileio.handlers.json_handler import JsonHandler
from treadle.fileio.handlers.pickle_handler import PickleHandler
from treadle.fileio.handlers.yaml_handler import YamlHandler

file_handlers: dict[str, BaseFileHandler] = {
    "json": JsonHandler(),
    "yaml": YamlHandler(),
    "yml": YamlHandler(),
    "pickle": PickleHandler(),
    "pkl": PickleHandler(),
}


def _register_handler(handler: BaseFileHandler, file_formats: str | list[str]) -> None:
    if not isinstance(handler, BaseFileHandler):
        raise TypeError(f"handler must be a BaseFileHandler instance, got {handler!r}")
    formats = [file_formats] if isinstance(file_formats, str) else file_formats
    if not isinstance(formats, list | tuple) or not all(isinstance(f, str) for f in formats):
        raise TypeError(f"file_formats must be a str or a list of str, got {file_formats!r}")
    for fmt in formats:
        file_handlers[fmt] = handler


def register_handler(file_formats: str | list[str], **kwargs: Any) -> Callable[[type], type]:
    """Class decorator: ``@register_handler('npy')`` or ``@register_handler(['txt', 'log'])``.

    The class is instantiated with ``kwargs``; a later registration of a format
    replaces the earlier one.
    """

    def wrap(cls: type) -> type:
        _register_handler(cls(**kwargs), file_formats)
        return cls

    return wrap


def get_handler(file_format: str) -> BaseFileHandler:
    """The handler for ``file_format``; an error listing the registered formats if none."""
    handler = file_handlers.get(file_format)
    if handler is None:
        raise UnsupportedFormatError(
            f"Unsupported format: {file_format!r}. Registered formats: "
            f"{', '.join(sorted(file_handlers))}. Pass file_format= one of them, or register "
            f"a handler with @treadle.fileio.register_handler({file_format!r})"
        )
    return handler
