"""save_checkpoint/_load_checkpoint round trips: local (atomic), s3:// through fileio."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from typing import Any

import pytest
import torch

from treadle.runner.checkpoint import _load_checkpoint, save_checkpoint


def _equal(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_local_round_trip_creates_directories(tmp_path):
    state = {"w": torch.randn(4, 3), "b": torch.arange(5)}
    path = tmp_path / "deep" / "er" / "epoch_1.pth"
    save_checkpoint({"state_dict": state, "meta": {"epoch": 1}}, path)
    loaded = _load_checkpoint(path, map_location="cpu")
    assert _equal(loaded["state_dict"], state)
    assert loaded["meta"] == {"epoch": 1}
    assert sorted(os.listdir(path.parent)) == ["epoch_1.pth"]  # no temporary left


def test_saved_file_gets_the_umask_mode_like_open_does(tmp_path):
    save_checkpoint({"x": torch.zeros(1)}, tmp_path / "a.pth")
    reference = tmp_path / "ref"
    reference.write_bytes(b"")
    assert (tmp_path / "a.pth").stat().st_mode == reference.stat().st_mode


class _Unpicklable:
    def __reduce__(self):
        raise RuntimeError("cannot pickle this")


def test_failed_save_keeps_the_previous_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "latest.pth"
    save_checkpoint({"v": torch.tensor([1.0])}, path)
    with pytest.raises(RuntimeError, match="cannot pickle this"):
        save_checkpoint({"v": torch.randn(1000), "bad": _Unpicklable()}, path)
    assert torch.equal(_load_checkpoint(path)["v"], torch.tensor([1.0]))
    assert os.listdir(tmp_path) == ["latest.pth"]


def test_sigkill_mid_save_leaves_the_previous_checkpoint_loadable(tmp_path):
    """A process killed while writing (here: during pickling) cannot damage the old file."""
    path = tmp_path / "epoch_2.pth"
    code = textwrap.dedent(
        f"""
        import os, signal, torch
        from treadle.runner.checkpoint import save_checkpoint

        class Die:
            def __reduce__(self):
                os.kill(os.getpid(), signal.SIGKILL)

        save_checkpoint({{"v": torch.full((10,), 1.0)}}, {str(path)!r})
        save_checkpoint({{"v": torch.full((1 << 20,), 2.0), "die": Die()}}, {str(path)!r})
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    assert torch.equal(_load_checkpoint(path)["v"], torch.full((10,), 1.0))
    leftovers = [name for name in os.listdir(tmp_path) if name != "epoch_2.pth"]
    assert all(name.startswith(".epoch_2.pth.") for name in leftovers)  # hidden, ignored


def test_save_through_a_symlink_replaces_the_target(tmp_path):
    target = tmp_path / "real.pth"
    save_checkpoint({"v": torch.tensor([1])}, target)
    link = tmp_path / "latest.pth"
    link.symlink_to(target)
    save_checkpoint({"v": torch.tensor([2])}, link)
    assert link.is_symlink()
    assert torch.equal(_load_checkpoint(target)["v"], torch.tensor([2]))


def test_file_client_args_is_the_deprecated_name_of_backend_args(tmp_path):
    path = tmp_path / "a.pth"
    with pytest.warns(DeprecationWarning, match="backend_args"):
        save_checkpoint({"v": torch.ones(2)}, path, file_client_args={"backend": "local"})
    assert torch.equal(_load_checkpoint(path)["v"], torch.ones(2))


def test_s3_round_trip_through_fileio(s3_dir: str, s3_args: dict[str, Any]):
    state = {"w": torch.randn(3, 3)}
    uri = f"{s3_dir}/work/epoch_3.pth"
    save_checkpoint({"state_dict": state}, uri, backend_args=s3_args)
    loaded = _load_checkpoint(uri, map_location="cpu", backend_args=s3_args)
    assert _equal(loaded["state_dict"], state)


def test_missing_local_file_is_file_not_found_naming_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.pth"):
        _load_checkpoint(tmp_path / "nope.pth")


def test_missing_s3_key_is_file_not_found_naming_it(s3_dir: str, s3_args: dict[str, Any]):
    with pytest.raises(FileNotFoundError, match=r"gone\.pth"):
        _load_checkpoint(f"{s3_dir}/gone.pth", backend_args=s3_args)


def _write_behind_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "treadle-checkpoint-write-behind"]


def test_write_behind_thread_ends_with_the_save_even_when_it_fails(tmp_path):
    save_checkpoint({"v": torch.randn(1 << 16)}, tmp_path / "a.pth")
    assert _write_behind_threads() == []
    with pytest.raises(RuntimeError, match="cannot pickle this"):
        save_checkpoint({"bad": _Unpicklable()}, tmp_path / "b.pth")
    assert _write_behind_threads() == []
    assert os.listdir(tmp_path) == ["a.pth"]
