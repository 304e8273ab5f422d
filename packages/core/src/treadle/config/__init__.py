"""MMEngine-compatible configs: ``Config``, ``ConfigDict``, ``DictAction`` (torch-free).

``Config.fromfile`` reads .py, .json, .yaml/.yml and .toml files with ``_base_``
inheritance (also across plugins: ``'vision::path.py'``), ``{{ }}`` variables,
``_delete_`` and ``custom_imports``. Importing this package is cheap: argparse,
ast and yaml are imported only by the code that needs them.
"""

from __future__ import annotations

from treadle.config.config import Config
from treadle.config.config_dict import ConfigDict
from treadle.config.errors import (
    BaseCycleError,
    BaseReferenceError,
    CfgOptionsError,
    ConfigError,
    ConfigFileNotFoundError,
    ConfigMergeError,
    ConfigParsingError,
    ConfigSyntaxError,
    DuplicateBaseKeyError,
    ReservedKeyError,
    UnsupportedFormatError,
)
from treadle.utils.lazy import lazy_exports

__all__ = [
    "BaseCycleError",
    "BaseReferenceError",
    "CfgOptionsError",
    "Config",
    "ConfigDict",
    "ConfigError",
    "ConfigFileNotFoundError",
    "ConfigMergeError",
    "ConfigParsingError",
    "ConfigSyntaxError",
    "DictAction",
    "DuplicateBaseKeyError",
    "ReservedKeyError",
    "UnsupportedFormatError",
    "parse_options",
    "read_base",
]


class read_base:  # MMEngine's name; a class keeps contextlib out of the import
    """``with read_base():`` marks the base-config imports of a pure-Python config."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


# argparse is imported only by code that uses the command-line helpers
_LAZY = {"DictAction": "treadle.config.dict_action", "parse_options": "treadle.config.dict_action"}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
