"""LocalVisBackend keeps its scalar files open between records, line-buffered: each
record is on disk as a whole line as soon as the call returns."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from treadle.visualization import LocalVisBackend


def _open_fds(path: Path) -> int:
    """How many of this process's file descriptors point at ``path`` (Linux /proc)."""
    target = os.path.realpath(path)
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == target:
                count += 1
        except OSError:  # the fd listdir itself used, closed since
            continue
    return count


def _records(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as file:  # a separate handle from the backend's
        text = file.read()
    assert text.endswith("\n"), repr(text)  # whole lines only
    return [json.loads(line) for line in text.splitlines()]


def test_each_record_is_on_disk_before_close(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    scalars = tmp_path / "scalars.json"
    try:
        backend.add_scalars({"loss": 1.5}, step=1)
        assert _records(scalars) == [{"loss": 1.5, "step": 1}]
        backend.add_scalar("lr", 0.01, step=2)
        assert _records(scalars) == [{"loss": 1.5, "step": 1}, {"lr": 0.01, "step": 2}]
        backend.add_scalars({"loss": 0.5, "acc": 0.9}, step=3)
        assert _records(scalars)[-1] == {"loss": 0.5, "acc": 0.9, "step": 3}
    finally:
        backend.close()


def test_scalar_file_stays_open_until_close(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    scalars = tmp_path / "scalars.json"
    try:
        backend.add_scalars({"a": 1}, step=0)
        assert _open_fds(scalars) == 1
        for step in range(1, 5):
            backend.add_scalar("a", step, step=step)
        assert _open_fds(scalars) == 1  # the same handle, not one per record
        # kept open: a record goes to the opened file even after it is renamed
        moved = tmp_path / "moved.json"
        scalars.rename(moved)
        backend.add_scalar("a", 5, step=5)
        assert not scalars.exists()
        assert _records(moved)[-1] == {"a": 5, "step": 5}
    finally:
        backend.close()
    assert _open_fds(moved) == 0


def test_file_path_gets_the_same_line_as_the_scalars_file(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    try:
        backend.add_scalars({"loss": 2.0}, step=1, file_path="20260101_000000.json")
        backend.add_scalars({"loss": 1.0}, step=2)
        backend.add_scalars({"loss": 0.5, "step": 9}, step=3, file_path="20260101_000000.json")
        main = (tmp_path / "scalars.json").read_text().splitlines()
        extra = (tmp_path / "20260101_000000.json").read_text().splitlines()
        assert extra == [main[0], main[2]]
        assert [json.loads(line) for line in extra] == [
            {"loss": 2.0, "step": 1},
            {"loss": 0.5, "step": 9},
        ]
        assert _open_fds(tmp_path / "20260101_000000.json") == 1
    finally:
        backend.close()
    assert _open_fds(tmp_path / "20260101_000000.json") == 0


@pytest.mark.parametrize(
    ("file_path", "message"),
    [
        ("extra.txt", r"must end in \.json"),
        ("extra", r"must end in \.json"),
        ("scalars.json", "is the scalars file itself"),
        ("./scalars.json", "is the scalars file itself"),
    ],
)
def test_bad_file_path_writes_nothing(tmp_path, file_path, message):
    backend = LocalVisBackend(str(tmp_path))
    try:
        backend.add_scalars({"loss": 1.0}, step=1)
        before = (tmp_path / "scalars.json").read_bytes()
        with pytest.raises(ValueError, match=message):
            backend.add_scalars({"loss": 2.0}, step=2, file_path=file_path)
        assert (tmp_path / "scalars.json").read_bytes() == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["scalars.json"]
        # the same bad name is refused again (not remembered as checked)
        with pytest.raises(ValueError, match=message):
            backend.add_scalars({"loss": 3.0}, step=3, file_path=file_path)
        assert (tmp_path / "scalars.json").read_bytes() == before
    finally:
        backend.close()


def test_records_after_close_reopen_and_append(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    backend.add_scalars({"loss": 3.0}, step=1, file_path="run.json")
    backend.close()
    assert _open_fds(tmp_path / "scalars.json") == 0
    try:
        backend.add_scalars({"loss": 2.0}, step=2, file_path="run.json")
        backend.add_scalar("loss", 1.0, step=3)
        assert _records(tmp_path / "scalars.json") == [
            {"loss": 3.0, "step": 1},
            {"loss": 2.0, "step": 2},
            {"loss": 1.0, "step": 3},
        ]
        assert _records(tmp_path / "run.json") == [
            {"loss": 3.0, "step": 1},
            {"loss": 2.0, "step": 2},
        ]
    finally:
        backend.close()
    backend.close()  # a second close is harmless


def test_numpy_and_tensor_values_are_written_as_numbers(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    try:
        backend.add_scalars(
            {
                "f32": np.float32(0.5),
                "i64": np.int64(7),
                "t": torch.tensor(0.25),
                "ti": torch.tensor(3),
                "arr": np.array([1.0, 2.0]),
            },
            step=np.int64(4),
        )
        backend.add_scalar("t1", torch.tensor([1.5]), step=5)
        backend.add_scalar("n", np.float64(2.5), step=6)
        text = (tmp_path / "scalars.json").read_text()
        first, second, third = (json.loads(line) for line in text.splitlines())
    finally:
        backend.close()
    assert first == {"f32": 0.5, "i64": 7, "t": 0.25, "ti": 3, "arr": [1.0, 2.0], "step": 4}
    assert type(first["i64"]) is int and type(first["ti"]) is int and type(first["step"]) is int
    assert type(first["f32"]) is float and type(first["t"]) is float
    assert second == {"t1": 1.5, "step": 5} and type(second["t1"]) is float
    assert third == {"n": 2.5, "step": 6}
