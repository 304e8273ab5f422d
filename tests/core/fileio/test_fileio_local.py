"""The backend contract on local disk, through the module-level functions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import treadle.fileio as fileio
from treadle.fileio import LocalBackend


def test_put_get_text_and_bytes_round_trip(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "dir" / "a.bin"  # parents are created
    fileio.put(b"\x00\x01payload", target)
    assert fileio.get(target) == b"\x00\x01payload"
    fileio.put_text("héllo", str(tmp_path / "t.txt"), encoding="latin-1")
    assert (tmp_path / "t.txt").read_bytes() == "héllo".encode("latin-1")
    assert fileio.get_text(tmp_path / "t.txt", encoding="latin-1") == "héllo"


def test_put_gives_the_permissions_open_would(tmp_path: Path) -> None:
    fileio.put(b"x", tmp_path / "new")
    with open(tmp_path / "plain", "wb"):
        pass
    assert os.stat(tmp_path / "new").st_mode == os.stat(tmp_path / "plain").st_mode
    os.chmod(tmp_path / "new", 0o640)
    fileio.put(b"y", tmp_path / "new")  # replacing keeps the existing mode
    assert os.stat(tmp_path / "new").st_mode & 0o777 == 0o640


def test_exists_isdir_isfile_join(tmp_path: Path) -> None:
    fileio.put(b"1", tmp_path / "f")
    assert fileio.exists(tmp_path / "f") and fileio.isfile(tmp_path / "f")
    assert fileio.isdir(tmp_path) and not fileio.isfile(tmp_path)
    assert not fileio.exists(tmp_path / "missing")
    assert fileio.join_path(str(tmp_path), "a", "b") == os.path.join(str(tmp_path), "a", "b")


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(FileNotFoundError, match=r"nope\.json"):
        fileio.get(missing)
    with pytest.raises(FileNotFoundError, match=r"nope\.json"):
        fileio.load(missing)
    with pytest.raises(FileNotFoundError, match=r"nope\.json"):
        fileio.remove(missing)


def test_get_local_path_is_the_path_itself(tmp_path: Path) -> None:
    fileio.put(b"z", tmp_path / "f")
    with fileio.get_local_path(tmp_path / "f") as local:
        assert local == str(tmp_path / "f")
    assert (tmp_path / "f").exists()  # a local file is never deleted


def test_copyfile_into_directory_and_copytree(tmp_path: Path) -> None:
    fileio.put(b"data", tmp_path / "src" / "a.txt")
    fileio.put(b"more", tmp_path / "src" / "sub" / "b.txt")
    (tmp_path / "out").mkdir()
    written = fileio.copyfile(tmp_path / "src" / "a.txt", tmp_path / "out")
    assert written == str(tmp_path / "out" / "a.txt")
    assert fileio.get(written) == b"data"
    fileio.copytree(tmp_path / "src", tmp_path / "copy")
    assert fileio.get(tmp_path / "copy" / "sub" / "b.txt") == b"more"
    with pytest.raises(FileExistsError):
        fileio.copytree(tmp_path / "src", tmp_path / "copy")
    assert fileio.copyfile_to_local(tmp_path / "src" / "a.txt", tmp_path / "c.txt")
    assert fileio.copyfile_from_local(tmp_path / "c.txt", tmp_path / "d.txt")
    assert fileio.get(tmp_path / "d.txt") == b"data"
    fileio.copytree_to_local(tmp_path / "src", tmp_path / "t1")
    fileio.copytree_from_local(tmp_path / "t1", tmp_path / "t2")
    assert fileio.get(tmp_path / "t2" / "sub" / "b.txt") == b"more"


def test_remove_and_rmtree(tmp_path: Path) -> None:
    fileio.put(b"1", tmp_path / "d" / "f")
    with pytest.raises(IsADirectoryError, match="rmtree"):
        fileio.remove(tmp_path / "d")
    fileio.remove(tmp_path / "d" / "f")
    assert not (tmp_path / "d" / "f").exists()
    fileio.rmtree(tmp_path / "d")
    assert not (tmp_path / "d").exists()


def test_copy_if_symlink_fails_links_locally(tmp_path: Path) -> None:
    fileio.put(b"1", tmp_path / "f")
    assert fileio.copy_if_symlink_fails(tmp_path / "f", tmp_path / "link") is True
    assert os.path.islink(tmp_path / "link")


def test_copy_if_symlink_fails_copies_when_linking_fails(tmp_path: Path) -> None:
    fileio.put(b"1", tmp_path / "f")
    fileio.put(b"old", tmp_path / "taken")  # symlink onto an existing path fails
    assert fileio.copy_if_symlink_fails(tmp_path / "f", tmp_path / "taken") is False
    assert fileio.get(tmp_path / "taken") == b"1" and not os.path.islink(tmp_path / "taken")


def test_list_dir_or_file(tmp_path: Path) -> None:
    for rel in ("a.py", "b.txt", "sub/c.py", "sub/deeper/d.py", ".hidden"):
        fileio.put(b"", tmp_path / rel)
    ls = fileio.list_dir_or_file
    assert list(ls(tmp_path)) == ["a.py", "b.txt", "sub"]
    assert list(ls(tmp_path, list_dir=False)) == ["a.py", "b.txt"]
    assert list(ls(tmp_path, list_file=False, recursive=True)) == ["sub", "sub/deeper"]
    assert list(ls(tmp_path, list_dir=False, suffix=".py", recursive=True)) == [
        "a.py",
        "sub/c.py",
        "sub/deeper/d.py",
    ]
    assert list(ls(tmp_path, list_dir=False, suffix=(".txt", ".py"))) == ["a.py", "b.txt"]
    with pytest.raises(TypeError, match="list_dir=False"):
        list(ls(tmp_path, suffix=".py"))
    with pytest.raises(TypeError, match="suffix"):
        list(ls(tmp_path, list_dir=False, suffix=[".py"]))


def test_backend_selection_for_plain_paths() -> None:
    assert isinstance(fileio.get_file_backend("/some/path"), LocalBackend)
    assert isinstance(fileio.get_file_backend(backend_args=dict(backend="local")), LocalBackend)
    assert isinstance(fileio.get_file_backend(backend_args=dict(backend="disk")), LocalBackend)


def test_read_only_operation_is_named_on_a_backend_without_it() -> None:
    class GetOnly(fileio.BaseStorageBackend):
        def get(self, filepath: str) -> bytes:
            return b"constant"

    with pytest.raises(NotImplementedError, match="GetOnly does not support put"):
        GetOnly().put(b"", "x")
    assert GetOnly().get_text("x") == "constant"
