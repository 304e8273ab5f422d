"""Treadle's vision plugin (scope ``vision``). Importing it imports nothing heavy."""

__version__ = "0.1.0"
