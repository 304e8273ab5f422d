"""``treadle train``/``treadle test``: argument handling in real processes, and the process
group a distributed run joined released when the command returns."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
from support.servers import free_port

from treadle.cli.main import main
from treadle.model import MMDistributedDataParallel

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


def test_a_distributed_run_releases_its_process_group(tmp_path, monkeypatch):
    """In process, under the variables torchrun sets for one rank: once `treadle train`
    returns, the gloo group it joined is destroyed (a process exiting with a live group
    can abort in gloo's teardown)."""
    for name, value in dict(
        RANK="0", LOCAL_RANK="0", WORLD_SIZE="1", LOCAL_WORLD_SIZE="1",
        MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()),
        OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",  # set: the run then changes no variable
    ).items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.syspath_prepend(str(TOY))
    argv = ["train", str(CONFIG), "--work-dir", str(tmp_path / "w"), "--launcher", "pytorch"]
    assert main([*argv, "--cfg-options", "train_cfg.max_epochs=1"]) == 0
    assert (tmp_path / "w" / "epoch_1.pth").is_file()
    assert not dist.is_initialized()
    # nothing of the run holds the destroyed group: its DDP wrapper was freed before
    wrappers = [o for o in gc.get_objects() if type(o) is MMDistributedDataParallel]
    assert wrappers == []


def test_tta_wraps_the_model_and_gives_the_test_set_the_tta_pipeline(tmp_path):
    import ast

    from toy_train import ToyRegression, ToyRegressor

    model = ToyRegressor()
    checkpoint = tmp_path / "weights.pth"
    torch.save(dict(state_dict=model.state_dict()), checkpoint)

    def tested_mse(*options: str) -> float:
        proc = treadle("test", str(CONFIG), str(checkpoint), "--work-dir", "w", *options,
                       cwd=tmp_path)  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-3000:]
        return ast.literal_eval(proc.stdout.strip().splitlines()[-1])["mse"]

    data = ToyRegression(size=16, seed=1)  # the config's test set
    with torch.no_grad():
        plain = (model.linear(data.x) - data.y).pow(2).mean().item()
        # ToyTwoViews: x and 2x; ToyAverageTTA averages the two predictions
        merged = (model.linear(data.x) + model.linear(2 * data.x)) / 2
        augmented = (merged - data.y).pow(2).mean().item()
    assert tested_mse() == pytest.approx(plain, rel=1e-5)
    assert tested_mse("--tta") == pytest.approx(augmented, rel=1e-5)

    without = tmp_path / "no_tta.py"
    without.write_text(f"_base_ = [{str(CONFIG)!r}]\ntta_pipeline = None\n")
    proc = treadle("test", str(without), str(checkpoint), "--tta", cwd=tmp_path)
    assert proc.returncode == 1
    assert f"--tta needs tta_pipeline in {without}" in proc.stderr
    assert "Traceback" not in proc.stderr
