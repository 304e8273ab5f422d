"""Storage backends: the contract, the local disk, and registration by name/prefix."""

from treadle.fileio.backends.base import BaseStorageBackend
from treadle.fileio.backends.local import LocalBackend
from treadle.fileio.backends.registry import (
    get_file_backend,
    parse_uri_prefix,
    register_backend,
    registered_backends,
    registered_prefixes,
)

__all__ = [
    "BaseStorageBackend",
    "LocalBackend",
    "get_file_backend",
    "parse_uri_prefix",
    "register_backend",
    "registered_backends",
    "registered_prefixes",
]
