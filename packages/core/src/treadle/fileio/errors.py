"""Errors raised by ``treadle.fileio``; each subclasses the builtin MMEngine users catch."""

from __future__ import annotations


class UnknownBackendError(ValueError):
    """No registered storage backend serves the asked URI prefix or backend name."""


class UnsupportedFormatError(TypeError):
    """No file handler is registered for the asked ``file_format``."""


class MissingDependencyError(ImportError):
    """An optional SDK a backend needs is not installed; the message names the extra."""


class RemoteIOError(OSError):
    """A remote storage call failed (network, server); the URI is named, the cause chained."""
