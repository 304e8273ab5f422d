"""Path helpers on real files, directories and links in tmp_path."""

import os
import re
from pathlib import Path

import pytest

from treadle.utils import (
    check_file_exist,
    fopen,
    is_abs,
    is_filepath,
    mkdir_or_exist,
    scandir,
    symlink,
)


def test_is_filepath_and_fopen(tmp_path):
    target = tmp_path / "f.txt"
    assert is_filepath(str(target)) and is_filepath(target) and not is_filepath(3)
    with fopen(target, "w") as f:
        f.write("via Path")
    with fopen(str(target)) as f:
        assert f.read() == "via Path"
    with pytest.raises(ValueError, match="should be a str or a Path, got 3"):
        fopen(3)


def test_check_file_exist(tmp_path, monkeypatch):
    real = tmp_path / "real.py"
    real.write_text("x = 1\n")
    check_file_exist(real)
    check_file_exist(str(real))
    missing = tmp_path / "missing.py"
    with pytest.raises(
        FileNotFoundError, match=re.escape(f'file "{missing}" does not exist') + "$"
    ):
        check_file_exist(missing)
    with pytest.raises(FileNotFoundError, match="it is a directory, not a file"):
        check_file_exist(tmp_path)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        FileNotFoundError, match=re.escape(f"(relative to the working directory {tmp_path})")
    ):
        check_file_exist("missing.py")
    with pytest.raises(FileNotFoundError, match=r"^config missing.py not found \(relative"):
        check_file_exist("missing.py", msg_tmpl="config {} not found")


def test_mkdir_or_exist(tmp_path, monkeypatch):
    deep = tmp_path / "a" / "b" / "c"
    mkdir_or_exist(deep)
    assert deep.is_dir()
    mkdir_or_exist(str(deep))  # already there: fine
    mkdir_or_exist("")  # nothing to make
    monkeypatch.setenv("HOME", str(tmp_path))
    mkdir_or_exist("~/from_home")
    assert (tmp_path / "from_home").is_dir()
    (tmp_path / "file").write_text("")
    with pytest.raises(FileExistsError):
        mkdir_or_exist(tmp_path / "file")


def test_symlink_overwrites_unless_told_not_to(tmp_path):
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text("1")
    second.write_text("2")
    link = tmp_path / "latest.txt"
    symlink(first, link)
    assert link.read_text() == "1"
    symlink(str(second), str(link))
    assert link.read_text() == "2" and os.readlink(link) == str(second)
    with pytest.raises(FileExistsError):
        symlink(first, link, overwrite=False)
    assert link.read_text() == "2"


def test_symlink_replaces_a_dangling_link(tmp_path):
    link = tmp_path / "dangling"
    os.symlink(tmp_path / "gone", link)
    target = tmp_path / "here"
    target.write_text("ok")
    symlink(target, link)
    assert link.read_text() == "ok"


@pytest.fixture
def tree(tmp_path):
    for rel in ["a.txt", "b.PNG", "c.png", ".hidden.png", "sub/d.png", "sub/deeper/e.TXT"]:
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rel)
    return tmp_path


def test_scandir_filters_by_suffix_and_depth(tree):
    assert sorted(scandir(tree)) == ["a.txt", "b.PNG", "c.png"]
    assert sorted(scandir(str(tree), ".png")) == ["c.png"]
    assert sorted(scandir(tree, (".png", ".txt"), recursive=True)) == [
        "a.txt",
        "c.png",
        os.path.join("sub", "d.png"),
    ]
    assert sorted(scandir(Path(tree), ".png", recursive=True, case_sensitive=False)) == [
        "b.PNG",
        "c.png",
        os.path.join("sub", "d.png"),
    ]
    assert sorted(scandir(tree, (".TXT",), recursive=True, case_sensitive=False)) == [
        "a.txt",
        os.path.join("sub", "deeper", "e.TXT"),
    ]


def test_scandir_checks_arguments_at_the_call(tree):
    with pytest.raises(TypeError, match='"dir_path" must be a str or a Path, got 3'):
        scandir(3)
    with pytest.raises(
        TypeError, match=r"\"suffix\" must be a str or a tuple of str, got \['.png'\]"
    ):
        scandir(tree, [".png"])
    lazy = scandir(tree / "absent")  # the directory is read on iteration
    with pytest.raises(FileNotFoundError):
        next(lazy)


def test_is_abs():
    assert is_abs("/data/x") and not is_abs("data/x")
    assert is_abs("s3://bucket/key") and is_abs("http://h/x") and is_abs("https://h/x")
    assert not is_abs("ftp://h/x")
