"""MemcachedBackend against a memcached process on loopback."""

from __future__ import annotations

import pickle

import pytest

import treadle.fileio as fileio
from treadle.fileio import RemoteIOError


def _args(server: str) -> dict:
    return dict(backend="memcached", servers=server)


def test_put_get_exists_remove(memcached_server: str) -> None:
    args = _args(memcached_server)
    fileio.put(b"\x00frame", "data/frame_001.jpg", backend_args=args)
    assert fileio.get("data/frame_001.jpg", backend_args=args) == b"\x00frame"
    assert fileio.exists("data/frame_001.jpg", backend_args=args)
    fileio.put_text("txt", "data/label.txt", backend_args=args)
    assert fileio.get_text("data/label.txt", backend_args=args) == "txt"
    fileio.remove("data/frame_001.jpg", backend_args=args)
    assert not fileio.exists("data/frame_001.jpg", backend_args=args)


def test_missing_key_names_it(memcached_server: str) -> None:
    with pytest.raises(FileNotFoundError, match=r"data/never\.jpg"):
        fileio.get("data/never.jpg", backend_args=_args(memcached_server))
    with pytest.raises(FileNotFoundError, match=r"data/never\.jpg"):
        fileio.remove("data/never.jpg", backend_args=_args(memcached_server))


def test_illegal_key_is_a_value_error(memcached_server: str) -> None:
    with pytest.raises(ValueError, match="invalid memcached key 'has space'"):
        fileio.get("has space", backend_args=_args(memcached_server))


def test_pickled_backend_reconnects(memcached_server: str) -> None:
    backend = fileio.get_file_backend(backend_args=_args(memcached_server))
    backend.put(b"v", "k1")
    clone = pickle.loads(pickle.dumps(backend))
    assert clone.get("k1") == b"v"


def test_server_down_is_a_remote_error_naming_key_and_server(closed_port: int) -> None:
    args = dict(
        backend="memcached",
        servers=f"127.0.0.1:{closed_port}",
        client_cfg=dict(connect_timeout=1, timeout=1, retry_attempts=1),
    )
    with pytest.raises(RemoteIOError, match=f"'k'.*127.0.0.1:{closed_port}") as info:
        fileio.get("k", backend_args=args)
    assert info.value.__cause__ is not None
