"""LmdbBackend reading a real database written by the test, in forked workers too."""

from __future__ import annotations

import multiprocessing
import pickle
from pathlib import Path

import lmdb
import pytest

import treadle.fileio as fileio


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "images.lmdb"
    env = lmdb.open(str(path), map_size=1 << 24)
    with env.begin(write=True) as txn:
        for i in range(20):
            txn.put(f"img/{i:03d}.png".encode(), f"pixels-{i}".encode() * 10)
    env.close()
    return path


def _args(db: Path) -> dict:
    return dict(backend="lmdb", db_path=str(db))


def test_get_by_key(db: Path) -> None:
    assert fileio.get("img/007.png", backend_args=_args(db)) == b"pixels-7" * 10
    assert fileio.get_text("img/001.png", backend_args=_args(db)) == "pixels-1" * 10
    assert fileio.exists("img/000.png", backend_args=_args(db))
    assert not fileio.exists("img/999.png", backend_args=_args(db))


def test_missing_key_names_key_and_database(db: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"img/999\.png") as info:
        fileio.get("img/999.png", backend_args=_args(db))
    assert str(db) in str(info.value)


def test_missing_database_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nowhere\.lmdb"):
        fileio.get("k", backend_args=dict(backend="lmdb", db_path=str(tmp_path / "nowhere.lmdb")))


def _read(backend_and_key: tuple) -> bytes:
    backend, key = backend_and_key
    return backend.get(key)


def test_forked_workers_open_their_own_environment(db: Path) -> None:
    backend = fileio.get_file_backend(backend_args=_args(db))
    assert backend.get("img/000.png") == b"pixels-0" * 10  # opened in the parent first
    keys = [f"img/{i:03d}.png" for i in range(20)]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        values = pool.map(_read, [(backend, k) for k in keys])
    assert values == [f"pixels-{i}".encode() * 10 for i in range(20)]


def test_pickles_without_its_handle(db: Path) -> None:
    backend = fileio.get_file_backend(backend_args=_args(db))
    backend.get("img/000.png")
    clone = pickle.loads(pickle.dumps(backend))  # what spawned workers receive
    assert clone.get("img/005.png") == b"pixels-5" * 10


def test_lmdb_is_read_only(db: Path) -> None:
    with pytest.raises(NotImplementedError, match="LmdbBackend does not support put"):
        fileio.put(b"x", "img/new.png", backend_args=_args(db))
