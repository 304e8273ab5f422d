"""``load`` and ``dump``: objects from and to files in any registered format."""

from __future__ import annotations

import os
from typing import Any

from treadle.fileio.backends.registry import get_file_backend
from treadle.fileio.handlers.registry import get_handler
from treadle.fileio.io import resolve_backend_args


def _format_of(file: str) -> str:
    name = file.rstrip("/").rpartition("/")[2]
    return name.rpartition(".")[2] if "." in name else ""


def load(
    file: str | os.PathLike[str] | Any,
    file_format: str | None = None,
    file_client_args: dict[str, Any] | None = None,
    backend_args: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Any:
    """The object stored in ``file``: a local path, a URI, or a readable file object.

    ``file_format`` defaults to the path's suffix; ``kwargs`` go to the handler.
    """
    backend_args = resolve_backend_args(file_client_args, backend_args)
    if isinstance(file, os.PathLike):
        file = os.fspath(file)
    if file_format is None and isinstance(file, str):
        file_format = _format_of(file)
    if file_format is None:
        raise ValueError("file_format must be given when loading from a file object")
    handler = get_handler(file_format)
    if isinstance(file, str):
        data = get_file_backend(file, backend_args=backend_args).get(file)
        return handler.load_from_bytes(data, **kwargs)
    if hasattr(file, "read"):
        return handler.load_from_fileobj(file, **kwargs)
    raise TypeError(f'"file" must be a path, a URI or a file object, got {type(file).__name__}')


def dump(
    obj: Any,
    file: str | os.PathLike[str] | Any = None,
    file_format: str | None = None,
    file_client_args: dict[str, Any] | None = None,
    backend_args: dict[str, Any] | None = None,
    **kwargs: Any,
) -> str | bytes | None:
    """Write ``obj`` to ``file`` (path, URI or writable file object); atomic on local disk.

    With ``file=None`` the serialised content is returned instead (``str`` for
    text formats, ``bytes`` for binary ones); ``file_format`` is then required.
    """
    backend_args = resolve_backend_args(file_client_args, backend_args)
    if isinstance(file, os.PathLike):
        file = os.fspath(file)
    if file_format is None:
        if isinstance(file, str):
            file_format = _format_of(file)
        elif file is None:
            raise ValueError("file_format must be given when file is None (dump to a string)")
        else:
            raise ValueError("file_format must be given when dumping to a file object")
    handler = get_handler(file_format)
    if file is None:
        return handler.dump_to_str(obj, **kwargs)
    if isinstance(file, str):
        data = handler.dump_to_bytes(obj, **kwargs)  # fully serialised before touching the file
        get_file_backend(file, backend_args=backend_args).put(data, file)
    elif hasattr(file, "write"):
        handler.dump_to_fileobj(obj, file, **kwargs)
    else:
        raise TypeError(f'"file" must be a path, a URI or a file object, got {type(file).__name__}')
    return None
