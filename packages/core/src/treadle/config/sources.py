"""Where config files are: local paths, URIs (through ``treadle.fileio``) and ``scope::path``.

Local files take the fast path (plain reads); a path containing ``://`` is read
through ``treadle.fileio``, imported only then. ``scope::path`` resolves against
the config directory the installed plugin ``scope`` declares.
"""

from __future__ import annotations

import os
import posixpath

from treadle.config.errors import ConfigFileNotFoundError, ConfigParsingError

SCOPE_SEP = "::"


def is_remote(path: str) -> bool:
    return "://" in path


def split_scope(entry: str) -> tuple[str | None, str]:
    """``'vision::a/b.py'`` -> ``('vision', 'a/b.py')``; no scope -> ``(None, entry)``."""
    if SCOPE_SEP not in entry or is_remote(entry.partition(SCOPE_SEP)[0]):
        return None, entry
    scope, _, rest = entry.partition(SCOPE_SEP)
    if not scope.isidentifier() or SCOPE_SEP in rest or not rest:
        raise ConfigParsingError(
            f"bad scoped config path {entry!r}: write 'scope::relative/path.py' with one '::' "
            f"after an installed plugin scope, e.g. 'vision::_base_/default_runtime.py'"
        )
    return scope, rest


def scope_config_path(scope: str, rest: str) -> str:
    """The file ``rest`` inside plugin ``scope``'s config directory."""
    from treadle.plugins import config_dir

    return os.path.join(str(config_dir(scope)), rest)


def normalize(path: str) -> str:
    """An absolute, normalized form of a local path; URIs are normalized after the scheme."""
    if is_remote(path):
        scheme, _, rest = path.partition("://")
        return f"{scheme}://{posixpath.normpath(rest)}"
    return os.path.abspath(os.path.expanduser(path))


def join(including: str, entry: str) -> str:
    """``entry`` taken relative to the directory of the file ``including``."""
    if is_remote(entry) or os.path.isabs(entry):
        return normalize(entry)
    if is_remote(including):
        return normalize(posixpath.join(posixpath.dirname(including), entry))
    return normalize(os.path.join(os.path.dirname(including), entry))


def exists(path: str) -> bool:
    """Whether the config file ``path`` (local or URI) exists."""
    if is_remote(path):
        from treadle import fileio

        return fileio.exists(path)
    return os.path.isfile(path)


def read_text(path: str) -> str:
    """The text of the config at ``path``; ConfigFileNotFoundError if there is none."""
    if is_remote(path):
        from treadle import fileio

        if not fileio.exists(path):
            raise ConfigFileNotFoundError(f"config file {path!r} does not exist")
        return fileio.get_text(path)
    try:
        with open(path, encoding="utf-8-sig") as f:
            return f.read()
    except FileNotFoundError:
        raise ConfigFileNotFoundError(f"config file {path!r} does not exist") from None
    except IsADirectoryError:
        raise ConfigFileNotFoundError(f"config path {path!r} is a directory, not a file") from None
