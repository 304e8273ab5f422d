"""File IO: storage backends, file handlers, ``load``/``dump`` and friends.

Torch-free and cheap to import: PyYAML, numpy and the plugin backends are
imported only when used. MMEngine's ``mmengine.fileio`` names are kept.
"""

from treadle.fileio.backends import (
    BaseStorageBackend,
    LocalBackend,
    get_file_backend,
    parse_uri_prefix,
    register_backend,
    registered_backends,
    registered_prefixes,
)
from treadle.fileio.errors import (
    MissingDependencyError,
    RemoteIOError,
    UnknownBackendError,
    UnsupportedFormatError,
)
from treadle.fileio.handlers import (
    BaseFileHandler,
    JsonHandler,
    PickleHandler,
    YamlHandler,
    file_handlers,
    register_handler,
)
from treadle.fileio.io import (
    copy_if_symlink_fails,
    copyfile,
    copyfile_from_local,
    copyfile_to_local,
    copytree,
    copytree_from_local,
    copytree_to_local,
    exists,
    generate_presigned_url,
    get,
    get_local_path,
    get_text,
    isdir,
    isfile,
    join_path,
    list_dir_or_file,
    put,
    put_text,
    remove,
    rmtree,
)
from treadle.fileio.parse import dict_from_file, list_from_file
from treadle.fileio.serialize import dump, load

__all__ = [
    "BaseFileHandler",
    "BaseStorageBackend",
    "JsonHandler",
    "LocalBackend",
    "MissingDependencyError",
    "PickleHandler",
    "RemoteIOError",
    "UnknownBackendError",
    "UnsupportedFormatError",
    "YamlHandler",
    "copy_if_symlink_fails",
    "copyfile",
    "copyfile_from_local",
    "copyfile_to_local",
    "copytree",
    "copytree_from_local",
    "copytree_to_local",
    "dict_from_file",
    "dump",
    "exists",
    "file_handlers",
    "generate_presigned_url",
    "get",
    "get_file_backend",
    "get_local_path",
    "get_text",
    "isdir",
    "isfile",
    "join_path",
    "list_dir_or_file",
    "list_from_file",
    "load",
    "parse_uri_prefix",
    "put",
    "put_text",
    "register_backend",
    "register_handler",
    "registered_backends",
    "registered_prefixes",
    "remove",
    "rmtree",
]
