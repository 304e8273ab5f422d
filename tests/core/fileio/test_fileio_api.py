"""The MMEngine fileio names exist, in treadle.fileio and lazily at the top level."""

from __future__ import annotations

import json

import treadle
import treadle.fileio

MMENGINE_NAMES = [
    "BaseStorageBackend",
    "LocalBackend",
    "register_backend",
    "get_file_backend",
    "BaseFileHandler",
    "JsonHandler",
    "PickleHandler",
    "YamlHandler",
    "register_handler",
    "load",
    "dump",
    "get",
    "get_text",
    "put",
    "put_text",
    "exists",
    "isdir",
    "isfile",
    "join_path",
    "get_local_path",
    "copyfile",
    "copyfile_from_local",
    "copyfile_to_local",
    "copytree",
    "copytree_from_local",
    "copytree_to_local",
    "remove",
    "rmtree",
    "copy_if_symlink_fails",
    "list_dir_or_file",
    "generate_presigned_url",
    "list_from_file",
    "dict_from_file",
]


def test_every_mmengine_fileio_name_is_exported() -> None:
    missing = [n for n in MMENGINE_NAMES if n not in treadle.fileio.__all__]
    assert missing == []
    assert all(getattr(treadle, n) is getattr(treadle.fileio, n) for n in MMENGINE_NAMES)


def test_top_level_names_import_fileio_only_when_used(python) -> None:
    out = python(
        "import sys, json, treadle\n"
        "before = 'treadle.fileio' in sys.modules\n"
        "from treadle import load, dump\n"
        "print(json.dumps([before, dump({'a': 1}, file_format='json')]))"
    ).stdout
    assert json.loads(out) == [False, '{"a": 1}']
