"""``treadle train``/``treadle test`` argument handling, in real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch

TOY = Path(__file__).parents[2] / "fixtures" / "toy_runner"
CONFIG = TOY / "toy_config.py"


def treadle(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(TOY), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "treadle", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_missing_parts_are_one_error_line(tmp_path):
    config = tmp_path / "partial.py"
    config.write_text(f"_base_ = [{str(CONFIG)!r}]\noptim_wrapper = None\ntrain_cfg = None\n")
    proc = treadle("train", str(config), "--work-dir", str(tmp_path / "w"), cwd=tmp_path)
    assert proc.returncode == 1
    assert "treadle train: error: train needs train_dataloader, train_cfg, optim_wrapper" in (
        proc.stderr
    )
    assert "missing: train_cfg, optim_wrapper" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_checkpoint_for_test_is_named(tmp_path):
    proc = treadle("test", str(CONFIG), "nowhere.pth", "--work-dir", "w", cwd=tmp_path)
    assert proc.returncode == 1
    assert "nowhere.pth" in proc.stderr and "Traceback" not in proc.stderr


def test_amp_and_cfg_options_and_default_work_dir(tmp_path):
    proc = treadle(
        "train", str(CONFIG), "--amp", "--cfg-options", "train_cfg.max_epochs=1", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    work_dir = tmp_path / "work_dirs" / "toy_config"  # MMEngine's default
    dumped = (work_dir / "toy_config.py").read_text()
    assert "AmpOptimWrapper" in dumped and "max_epochs=1" in dumped
    checkpoint = torch.load(work_dir / "epoch_1.pth", weights_only=True)
    assert checkpoint["meta"]["epoch"] == 1
    assert "loss_scaler" in checkpoint["optimizer"]
