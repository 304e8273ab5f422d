"""Local path helpers: make directories, link, list files, check that a file is there."""

from __future__ import annotations

import os
import os.path as osp
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import IO, Any


def is_filepath(x: Any) -> bool:
    """Whether ``x`` can name a file: a ``str`` or a ``pathlib.Path``."""
    return isinstance(x, (str, Path))


def fopen(filepath: str | Path, *args: Any, **kwargs: Any) -> IO:
    """``open(filepath, ...)`` for a ``str`` or a ``Path``."""
    if isinstance(filepath, (str, Path)):
        return open(filepath, *args, **kwargs)
    raise ValueError(f"`filepath` should be a str or a Path, got {filepath!r}")


def check_file_exist(filename: str | Path, msg_tmpl: str = 'file "{}" does not exist') -> None:
    """Raise ``FileNotFoundError`` (message ``msg_tmpl.format(filename)``) unless
    ``filename`` is an existing file."""
    if osp.isfile(filename):
        return
    message = msg_tmpl.format(filename)
    if osp.isdir(filename):
        message += " (it is a directory, not a file)"
    elif not osp.isabs(filename):
        message += f" (relative to the working directory {os.getcwd()})"
    raise FileNotFoundError(message)


def mkdir_or_exist(dir_name: str | Path, mode: int = 0o777) -> None:
    """Create ``dir_name`` and its parents unless it exists; ``''`` is a no-op, ``~`` expands."""
    if dir_name == "":
        return
    os.makedirs(osp.expanduser(dir_name), mode=mode, exist_ok=True)


def symlink(src: str | Path, dst: str | Path, overwrite: bool = True, **kwargs: Any) -> None:
    """``os.symlink(src, dst)``, first removing whatever file or link sits at ``dst``
    when ``overwrite`` is true."""
    if overwrite and osp.lexists(dst):
        os.remove(dst)
    os.symlink(src, dst, **kwargs)


def scandir(
    dir_path: str | Path,
    suffix: str | tuple[str, ...] | None = None,
    recursive: bool = False,
    case_sensitive: bool = True,
) -> Iterator[str]:
    """Yield the paths, relative to ``dir_path``, of the files in it whose names end
    with ``suffix``.

    Files whose names start with ``.`` are skipped; with ``recursive`` the
    sub-directories are listed too. Arguments are checked at the call, the
    directory is read as the result is iterated.
    """
    if not isinstance(dir_path, (str, Path)):
        raise TypeError(f'"dir_path" must be a str or a Path, got {dir_path!r}')
    if suffix is not None and not isinstance(suffix, (str, tuple)):
        raise TypeError(f'"suffix" must be a str or a tuple of str, got {suffix!r}')
    if suffix is not None and not case_sensitive:
        suffix = suffix.lower() if isinstance(suffix, str) else tuple(s.lower() for s in suffix)
    root = str(dir_path)

    def walk(directory: str) -> Iterator[str]:
        for entry in os.scandir(directory):
            if entry.is_file() and not entry.name.startswith("."):
                rel_path = osp.relpath(entry.path, root)
                matched = rel_path if case_sensitive else rel_path.lower()
                if suffix is None or matched.endswith(suffix):
                    yield rel_path
            elif recursive and osp.isdir(entry.path):
                yield from walk(entry.path)

    return walk(root)


def is_abs(path: str) -> bool:
    """Whether ``path`` is absolute: a local absolute path or an http(s):// or s3:// URI."""
    return osp.isabs(path) or path.startswith(("http://", "https://", "s3://"))
