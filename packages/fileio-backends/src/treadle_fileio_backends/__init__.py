"""Treadle plugin, scope ``fileio_backends``."""

__version__ = "0.1.0"
