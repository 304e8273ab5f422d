"""list_from_file and dict_from_file."""

from __future__ import annotations

from pathlib import Path

import pytest

from treadle.fileio import dict_from_file, list_from_file


@pytest.fixture
def lines(tmp_path: Path) -> Path:
    path = tmp_path / "a.txt"
    path.write_text("a\nb\r\nc\nd\ne\n")
    return path


def test_list_from_file(lines: Path) -> None:
    assert list_from_file(lines) == ["a", "b", "c", "d", "e"]
    assert list_from_file(lines, offset=2) == ["c", "d", "e"]
    assert list_from_file(lines, max_num=2) == ["a", "b"]
    assert list_from_file(lines, offset=1, max_num=2, prefix="/mnt/") == ["/mnt/b", "/mnt/c"]


def test_list_from_file_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("é\nü".encode("latin-1"))
    assert list_from_file(path, encoding="latin-1") == ["é", "ü"]


def test_dict_from_file(tmp_path: Path) -> None:
    path = tmp_path / "b.txt"
    path.write_text("1 cat\n2 dog cow\n\n3 panda\n")
    assert dict_from_file(path) == {"1": "cat", "2": ["dog", "cow"], "3": "panda"}
    assert dict_from_file(path, key_type=int) == {1: "cat", 2: ["dog", "cow"], 3: "panda"}


def test_dict_from_file_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("1 cat\nlonely\n")
    with pytest.raises(ValueError, match=r"bad.txt, line 2: .*'lonely"):
        dict_from_file(path)
