"""memory:// through the fsspec backend: the contract without any server."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import treadle.fileio as fileio


def test_put_get_list_remove() -> None:
    fileio.put(b"1", "memory://mem-test/a/x.bin")
    fileio.put_text("2", "memory://mem-test/a/b/y.txt")
    assert fileio.get("memory://mem-test/a/x.bin") == b"1"
    assert list(fileio.list_dir_or_file("memory://mem-test/a", recursive=True)) == [
        "b",
        "b/y.txt",
        "x.bin",
    ]
    with pytest.raises(IsADirectoryError, match="rmtree"):
        fileio.remove("memory://mem-test/a/b")
    fileio.remove("memory://mem-test/a/x.bin")
    assert not fileio.exists("memory://mem-test/a/x.bin")
    with pytest.raises(NotADirectoryError, match="memory://mem-test/nothing"):
        list(fileio.list_dir_or_file("memory://mem-test/nothing"))


def test_join_path_uses_slashes() -> None:
    assert fileio.join_path("memory://b/dir/", "sub", "f.txt") == "memory://b/dir/sub/f.txt"


def test_dump_pickle_and_load(tmp_path: Path) -> None:
    fileio.dump({"k": (1, 2)}, "memory://mem-test/obj.pkl")
    assert fileio.load("memory://mem-test/obj.pkl") == {"k": (1, 2)}


def test_backend_pickles_for_spawned_workers() -> None:
    backend = fileio.get_file_backend("memory://x")
    backend.put(b"p", "memory://mem-test/p")
    clone = pickle.loads(pickle.dumps(backend))
    assert clone.get("memory://mem-test/p") == b"p"
