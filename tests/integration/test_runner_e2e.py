"""End to end: ``treadle train``/``treadle test`` in real processes on the toy job.

Covers training with validation and best-checkpoint keeping, testing with
``--out``, SIGKILL mid-epoch then ``--resume`` ending bitwise equal to an
unbroken run, ``torchrun --nproc-per-node 2`` (gloo), and a hook from the
third-party fixture plugin.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from support.servers import free_port

TOY = Path(__file__).parents[1] / "fixtures" / "toy_runner"
CONFIG = TOY / "toy_config.py"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TOY), env.get("PYTHONPATH")]))
    env["OMP_NUM_THREADS"] = "1"
    return env


def treadle(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "treadle", *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and proc.returncode != 0:
        pytest.fail(f"treadle {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return proc


def log_files(work_dir: Path) -> list[Path]:
    return sorted(work_dir.glob("*/*.log"))


def weights(path: Path) -> dict[str, torch.Tensor]:
    return torch.load(path, map_location="cpu", weights_only=True)["state_dict"]


def test_train_validate_keep_best_then_test(tmp_path: Path) -> None:
    work_dir = tmp_path / "work"
    treadle("train", str(CONFIG), "--work-dir", str(work_dir), cwd=tmp_path)

    assert sorted(p.name for p in work_dir.glob("epoch_*.pth")) == [
        "epoch_1.pth",
        "epoch_2.pth",
        "epoch_3.pth",
    ]
    (log,) = log_files(work_dir)
    text = log.read_text()
    val_lines = [line for line in text.splitlines() if "Epoch(val)" in line and "mse:" in line]
    assert len(val_lines) == 3, text[-3000:]
    scores = {int(line.split("[")[1].split("]")[0]): float(line.split("mse: ")[1].split()[0])
              for line in val_lines}  # fmt: skip
    (best,) = work_dir.glob("best_mse_epoch_*.pth")
    best_epoch = min(scores, key=scores.get)
    assert best.name == f"best_mse_epoch_{best_epoch}.pth"
    assert (work_dir / "last_checkpoint").read_text().strip().endswith("epoch_3.pth")

    out = tmp_path / "results.pkl"
    proc = treadle(
        "test", str(CONFIG), str(best), "--work-dir", str(work_dir), "--out", str(out),
        cwd=tmp_path,
    )  # fmt: skip
    results = pickle.loads(out.read_bytes())
    assert len(results) == 16
    assert {"pred", "target"} <= set(results[0])
    tested_mse = float(proc.stdout.split("'mse': ")[1].split("}")[0].split(",")[0])
    assert tested_mse == pytest.approx(scores[best_epoch], abs=5e-5)  # the log rounds to 4 places


def test_sigkill_mid_epoch_then_resume_matches_unbroken_run(tmp_path: Path) -> None:
    base = tmp_path / "base.py"
    base.write_text(
        f"_base_ = [{str(CONFIG)!r}]\n"
        "default_hooks = dict(checkpoint=dict(_delete_=True, type='CheckpointHook', "
        "interval=5, by_epoch=False))\n"
    )
    killed = tmp_path / "killed.py"
    killed.write_text(
        f"_base_ = [{str(base)!r}]\ncustom_hooks = [dict(type='KillAtIterHook', iteration=23)]\n"
    )
    unbroken, broken = tmp_path / "unbroken", tmp_path / "broken"
    treadle("train", str(base), "--work-dir", str(unbroken), cwd=tmp_path)

    first = treadle("train", str(killed), "--work-dir", str(broken), cwd=tmp_path, check=False)
    assert first.returncode == -signal.SIGKILL, first.stderr[-2000:]
    assert (broken / "last_checkpoint").read_text().strip().endswith("iter_20.pth")
    assert not (broken / "iter_25.pth").exists()

    treadle("train", str(base), "--work-dir", str(broken), "--resume", cwd=tmp_path)
    resumed_log = log_files(broken)[-1].read_text()
    assert "resumed epoch: 1, iter: 20" in resumed_log

    final_a, final_b = weights(unbroken / "iter_48.pth"), weights(broken / "iter_48.pth")
    assert final_a.keys() == final_b.keys()
    for key in final_a:
        assert torch.equal(final_a[key], final_b[key]), key
    # the resume really continued the interrupted run rather than restarting it
    assert not torch.equal(
        weights(broken / "iter_20.pth")["linear.weight"], final_b["linear.weight"]
    )


def test_torchrun_two_processes_one_log_one_set_of_checkpoints(tmp_path: Path) -> None:
    work_dir = tmp_path / "work"
    proc = subprocess.run(
        [
            sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
            "--master-port", str(free_port()), "-m", "treadle", "train", str(CONFIG),
            "--launcher", "pytorch", "--work-dir", str(work_dir),
        ],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    logs = log_files(work_dir)
    assert len(logs) == 1, logs
    text = logs[0].read_text()
    assert "world size 2" in text
    assert "model wrapped in MMDistributedDataParallel" in text
    # 64 samples, batch 4, split over 2 ranks: 8 iterations an epoch
    assert "Epoch(train) [3][8/8]" in text
    assert sorted(p.name for p in work_dir.glob("epoch_*.pth")) == [
        "epoch_1.pth",
        "epoch_2.pth",
        "epoch_3.pth",
    ]
    assert len(list(work_dir.glob("best_*.pth"))) == 1
    assert len([d for d in work_dir.iterdir() if d.is_dir()]) == 1
    state = weights(work_dir / "epoch_3.pth")
    assert not any(key.startswith("module.") for key in state)


def test_plugin_hook_from_config_is_called(tmp_path: Path, monkeypatch) -> None:
    from treadle.config import Config
    from treadle.registry import DefaultScope
    from treadle.runner import Runner

    # the runner's default scope would stay current for the rest of the session
    monkeypatch.setattr(DefaultScope, "_instance_dict", dict(DefaultScope._instance_dict))

    monkeypatch.syspath_prepend(str(TOY))
    cfg = Config.fromfile(str(CONFIG))
    cfg.work_dir = str(tmp_path / "work")
    cfg.custom_hooks = [dict(type="acme.SlackHook", channel="#runs", every=4)]
    cfg.train_cfg.max_epochs = 1
    runner = Runner.from_cfg(cfg)
    (slack,) = [hook for hook in runner.hooks if type(hook).__name__ == "SlackHook"]
    assert type(slack).__module__.startswith("acme_treadle")
    runner.train()
    assert slack.messages == [f"#runs: iteration {i} done" for i in (4, 8, 12, 16)]
    assert "SlackHook" in runner.get_hooks_info().split("after_train_iter:")[1].split("----")[0]
