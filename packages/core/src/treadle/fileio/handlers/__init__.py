"""File handlers: json, yaml, pickle, and user formats via ``register_handler``."""

from treadle.fileio.handlers.base import BaseFileHandler
from treadle.fileio.handlers.json_handler import JsonHandler
from treadle.fileio.handlers.pickle_handler import PickleHandler
from treadle.fileio.handlers.registry import file_handlers, get_handler, register_handler
from treadle.fileio.handlers.yaml_handler import YamlHandler

__all__ = [
    "BaseFileHandler",
    "JsonHandler",
    "PickleHandler",
    "YamlHandler",
    "file_handlers",
    "get_handler",
    "register_handler",
]
