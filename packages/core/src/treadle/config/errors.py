"""Config exceptions.

Each subclasses the builtin exception MMEngine raises in the same situation
(``KeyError``, ``FileNotFoundError``, ``SyntaxError`` ...), so code written for
MMEngine still catches them, and all share :class:`ConfigError`.
"""

from __future__ import annotations


class ConfigError(Exception):
    """Base class of config errors; ``str()`` is the message without KeyError's quotes."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ConfigFileNotFoundError(ConfigError, FileNotFoundError):
    """A config file, or a ``_base_`` entry of one, does not exist."""


class BaseCycleError(ConfigError, RecursionError):
    """The ``_base_`` entries form a cycle."""


class ConfigSyntaxError(ConfigError, SyntaxError):
    """A config file that its format's parser rejects (file and line in the message)."""

    def __init__(self, message: str, filename: str, lineno: int | None) -> None:
        super().__init__(message)
        self.filename = filename
        self.lineno = lineno

    def __str__(self) -> str:
        return str(self.args[0])


class ConfigParsingError(ConfigError, RuntimeError):
    """A config whose content is well formed but cannot be used (bad ``_base_`` ...)."""


class DuplicateBaseKeyError(ConfigError, KeyError):
    """Two sibling bases define the same top-level key."""


class BaseReferenceError(ConfigError, KeyError):
    """``{{_base_.x}}`` names a key the bases do not define."""


class ReservedKeyError(ConfigError, KeyError):
    """A top-level key shadows an attribute of ``Config`` (``filename``, ``text`` ...)."""


class ConfigMergeError(ConfigError, TypeError):
    """A child value cannot be merged into its base value."""


class CfgOptionsError(ConfigError, ValueError):
    """A malformed ``--cfg-options`` item, or one that cannot be merged."""


class UnsupportedFormatError(ConfigError, OSError):
    """A config file whose extension is none of .py, .json, .yaml, .yml, .toml."""
