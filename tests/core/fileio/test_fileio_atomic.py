"""Writes to local paths are atomic: a crash or an error mid-write keeps the old file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import treadle.fileio as fileio

CRASH_BEFORE_RENAME = """
import os, sys
import treadle.fileio as fileio

def crash(fd):  # the process dies after writing the new bytes, before they replace the file
    os._exit(9)

os.fsync = crash
fileio.{call}
"""


@pytest.mark.parametrize(
    "call",
    [
        "put(b'new' * 100000, sys.argv[1])",
        "put_text('new', sys.argv[1])",
        "dump({'new': list(range(1000))}, sys.argv[1])",
    ],
)
def test_a_crash_mid_write_leaves_the_old_file(tmp_path: Path, call: str) -> None:
    import subprocess
    import sys

    target = tmp_path / "state.json"
    target.write_text('{"old": true}')
    code = CRASH_BEFORE_RENAME.format(call=call)
    result = subprocess.run([sys.executable, "-c", code, str(target)], timeout=60)
    assert result.returncode == 9  # it really died mid-write
    assert target.read_text() == '{"old": true}'
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "state.json"]
    assert leftovers and all(n.startswith(".state.json.") for n in leftovers)  # the temp file


def test_a_failing_serialisation_never_touches_the_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text('{"old": true}')
    with pytest.raises(TypeError):
        fileio.dump({"bad": object()}, target)
    assert target.read_text() == '{"old": true}'
    assert os.listdir(tmp_path) == ["out.json"]


def test_a_failing_write_cleans_its_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        fileio.put("not bytes", target)  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_a_symlinked_target_is_written_through_the_link(tmp_path: Path) -> None:
    (tmp_path / "real.json").write_text("{}")
    os.symlink(tmp_path / "real.json", tmp_path / "latest.json")
    fileio.dump({"epoch": 5}, tmp_path / "latest.json")
    assert os.path.islink(tmp_path / "latest.json")  # the link survives
    assert fileio.load(tmp_path / "real.json") == {"epoch": 5}
