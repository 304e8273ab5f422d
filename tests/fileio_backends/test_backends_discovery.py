"""The plugin's backends are found lazily by prefix or name; missing SDKs name their extra."""

from __future__ import annotations

import json

import pytest

import treadle.fileio as fileio
from treadle.fileio import MissingDependencyError, UnknownBackendError


def test_prefix_loads_the_plugin_on_first_use(python) -> None:
    out = python(
        "import sys, json, treadle.fileio as f\n"
        "before = 'treadle_fileio_backends' in sys.modules\n"
        "f.put(b'v', 'memory://bucket/k')\n"
        "print(json.dumps([before, f.get('memory://bucket/k').decode(),\n"
        "    type(f.get_file_backend('https://example.org/x')).__name__]))"
    ).stdout
    assert json.loads(out) == [False, "v", "HTTPBackend"]


def test_backend_name_loads_the_plugin_on_first_use(python) -> None:
    out = python(
        "import sys, json, treadle.fileio as f\n"
        "before = 'treadle_fileio_backends.lmdb_backend' in sys.modules\n"
        "backend = f.get_file_backend(backend_args=dict(backend='lmdb', db_path='x'))\n"
        "print(json.dumps([before, type(backend).__module__]))"
    ).stdout
    assert json.loads(out) == [False, "treadle_fileio_backends.lmdb_backend"]


def test_import_stays_free_of_heavy_modules(python) -> None:
    out = python(
        "import sys, json, treadle.fileio\n"
        "print(json.dumps([m for m in ('torch', 'numpy', 'yaml', 'fsspec', 'orjson',\n"
        "    'treadle_fileio_backends', 'treadle.plugins') if m in sys.modules]))"
    ).stdout
    assert json.loads(out) == []


def test_any_installed_fsspec_protocol_is_served() -> None:
    # 'dir' is an fsspec protocol the manifest does not name: found through its "*" entry
    backend = fileio.get_file_backend("dir://x")
    assert type(backend).__name__ == "FsspecBackend"


def test_unknown_prefix_lists_prefixes_of_the_plugin() -> None:
    with pytest.raises(UnknownBackendError) as info:
        fileio.get("qqq://bucket/key")
    message = str(info.value)
    assert "'qqq'" in message and "qqq://bucket/key" in message
    for prefix in ("'s3'", "'memory'", "'http'"):
        assert prefix in message


@pytest.mark.parametrize(
    ("blocked", "code", "extra"),
    [
        ("s3fs", "f.get('s3://bucket/key', backend_args=dict(anon=True))", "s3"),
        ("lmdb", "f.get('k', backend_args=dict(backend='lmdb', db_path='db'))", "lmdb"),
        (
            "pymemcache",
            "f.get('k', backend_args=dict(backend='memcached', servers='h:1'))",
            "memcached",
        ),
    ],
)
def test_missing_sdk_names_the_extra(python, blocked: str, code: str, extra: str) -> None:
    # sys.modules[name] = None makes "import name" fail as if it were not installed
    result = python(
        f"import sys; sys.modules[{blocked!r}] = None\n"
        "import treadle.fileio as f\n"
        f"try:\n    {code}\n"
        "except f.MissingDependencyError as e:\n    print(e)\n",
    )
    assert f"pip install 'treadle-fileio-backends[{extra}]'" in result.stdout


def test_missing_dependency_is_an_import_error() -> None:
    assert issubclass(MissingDependencyError, ImportError)
