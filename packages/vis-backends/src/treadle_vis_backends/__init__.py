"""Treadle plugin, scope ``vis_backends``."""

__version__ = "0.1.0"
