"""register_backend, selection by prefix and by backend_args, and the errors around them."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

import treadle.fileio as fileio
from treadle.fileio import BaseStorageBackend, UnknownBackendError, register_backend


class DictBackend(BaseStorageBackend):
    """A user backend keeping files in a dict shared by its instances."""

    store: ClassVar[dict[str, bytes]] = {}

    def __init__(self, tag: str = "") -> None:
        self.tag = tag

    def get(self, filepath: str) -> bytes:
        if filepath not in self.store:
            raise FileNotFoundError(filepath)
        return self.store[filepath]

    def put(self, obj: bytes, filepath: str) -> None:
        self.store[filepath] = obj


def test_register_as_call_and_select_by_prefix_and_by_name() -> None:
    register_backend("dictcall", DictBackend, prefixes=["dictc", "dictc2"])
    fileio.put(b"v", "dictc://k")
    assert fileio.get("dictc://k") == b"v"
    assert isinstance(fileio.get_file_backend("dictc2://x"), DictBackend)
    backend = fileio.get_file_backend("/local", backend_args=dict(backend="dictcall", tag="t"))
    assert isinstance(backend, DictBackend) and backend.tag == "t"


def test_register_as_decorator() -> None:
    @register_backend("dictdeco", prefixes="dictd")
    class Deco(DictBackend):
        pass

    assert isinstance(fileio.get_file_backend("dictd://a"), Deco)
    assert fileio.registered_backends()["dictdeco"] is Deco


def test_duplicates_need_force() -> None:
    register_backend("dictdup", DictBackend, prefixes="dictdup")

    class Other(DictBackend):
        pass

    with pytest.raises(KeyError, match="force=True"):
        register_backend("dictdup", Other)
    with pytest.raises(KeyError, match="prefix 'dictdup'"):
        register_backend("dictdup2", Other, prefixes="dictdup")
    register_backend("dictdup", Other, force=True, prefixes="dictdup")
    assert isinstance(fileio.get_file_backend("dictdup://a"), Other)


def test_register_rejects_non_backends() -> None:
    with pytest.raises(TypeError, match="BaseStorageBackend subclass"):
        register_backend("bad", object)  # type: ignore[arg-type]


def test_singleton_is_shared_per_arguments() -> None:
    register_backend("dictsingle", DictBackend, prefixes="dicts")
    a = fileio.get_file_backend("dicts://x", enable_singleton=True)
    assert fileio.get_file_backend("dicts://y", enable_singleton=True) is a
    assert fileio.get_file_backend("dicts://y") is not a
    b = fileio.get_file_backend(
        "dicts://y", backend_args=dict(backend="dictsingle", tag="b"), enable_singleton=True
    )
    assert b is not a and b.tag == "b"


def test_parse_uri_prefix() -> None:
    assert fileio.parse_uri_prefix("s3://bucket/key") == "s3"
    assert fileio.parse_uri_prefix("cluster1:s3://bucket/key") == "s3"
    assert fileio.parse_uri_prefix("/tmp/a.json") == ""
    assert fileio.parse_uri_prefix(Path("rel/a.json")) == ""


def test_unknown_prefix_lists_registered_prefixes() -> None:
    register_backend("dictlisted", DictBackend, prefixes="dictlisted")
    with pytest.raises(UnknownBackendError) as info:
        fileio.get("zzunknown://bucket/key")
    message = str(info.value)
    assert "'zzunknown'" in message and "zzunknown://bucket/key" in message
    assert "'dictlisted'" in message  # the registered prefixes are listed
    assert "FILEIO_BACKENDS" in message  # how a plugin would provide one


def test_unknown_name_with_a_known_provider_says_what_to_install() -> None:
    with pytest.raises(UnknownBackendError, match=r"treadle-fileio-backends\[s3\]"):
        fileio.get_file_backend(backend_args=dict(backend="petrel"))


def test_bad_backend_args_name_the_backend() -> None:
    with pytest.raises(TypeError, match="LocalBackend rejected backend_args"):
        fileio.get_file_backend(backend_args=dict(backend="local", bucket="x"))
