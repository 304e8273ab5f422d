"""Registry exceptions. They subclass ``KeyError`` as MMEngine's do, but print plainly."""

from __future__ import annotations


class RegistryError(KeyError):
    """A registry misuse; ``str()`` is the message itself, without KeyError's quotes."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownTypeError(RegistryError):
    """A ``type`` that no searched registry knows."""
