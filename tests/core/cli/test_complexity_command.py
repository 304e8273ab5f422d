"""``treadle complexity CONFIG --shape ...``: the model of a config, analysed (a fresh process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TOY = Path(__file__).parents[2] / "fixtures" / "toy_runner"


def treadle(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(TOY)}
    return subprocess.run(
        [sys.executable, "-m", "treadle", "complexity", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_toy_models_figures_and_table(tmp_path: Path) -> None:
    config = str(TOY / "toy_config.py")
    proc = treadle(config, "--shape", "16", "--arch", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    # log records (e.g. the data preprocessor was never called) come first
    lines = [line for line in proc.stdout.splitlines() if " - treadle - " not in line]
    # ToyRegressor: Linear(16, 1) -> 16 multiply-adds, 1 output, 16 + 1 parameters
    assert lines[:4] == ["Input shape: (16,), a batch of 1", "Flops: 16", "Activations: 1",
                         "Parameters: 17"]  # fmt: skip
    assert "|  weight |  (1, 16)             |        |              |" in lines
    assert "ToyRegressor(" in proc.stdout and "#params: 17, #flops: 16, #acts: 1" in proc.stdout
    wider = treadle(config, "--shape", "32", "--cfg-options", "model.in_features=32", cwd=tmp_path)
    assert "Flops: 32" in wider.stdout.splitlines()


def test_bad_input_is_one_line(tmp_path: Path) -> None:
    no_model = tmp_path / "no_model.py"
    no_model.write_text("train_cfg = dict(max_epochs=1)\n")
    proc = treadle(str(no_model), "--shape", "3", cwd=tmp_path)
    assert proc.returncode == 1
    assert "treadle complexity: error:" in proc.stderr and "has no 'model'" in proc.stderr
    assert "Traceback" not in proc.stderr
    missing_shape = treadle(str(no_model), cwd=tmp_path)
    assert missing_shape.returncode == 2 and "--shape" in missing_shape.stderr
