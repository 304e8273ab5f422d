"""End to end: ``treadle train --launcher slurm`` with two ranks started as ``srun`` would.

There is no SLURM here: each rank is a plain process given the SLURM_* variables
that ``srun --ntasks 2 --ntasks-per-node 2`` sets on one node, in an environment
cleaned of every launcher variable the test process may have inherited. srun sets
no MASTER_PORT, so the port comes from ``env_cfg.dist_cfg.port`` (MMEngine's way).
The toy job of test_runner_e2e.py is trained once in a single process, for the
checkpoint names and iteration count the two-rank run is compared with.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from support.servers import free_port

pytestmark = pytest.mark.slow

TOY = Path(__file__).parents[1] / "fixtures" / "toy_runner"
CONFIG = TOY / "toy_config.py"
TIMEOUT_S = 120
LAUNCH_VARS = {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"}
LAUNCH_PREFIXES = ("MASTER_", "TORCHELASTIC_", "SLURM_", "OMPI_")


def _clean_env() -> dict[str, str]:
    """This environment without launcher variables, with the toy job importable."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in LAUNCH_VARS and not key.startswith(LAUNCH_PREFIXES)
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TOY), env.get("PYTHONPATH")]))
    env["OMP_NUM_THREADS"] = "1"
    return env


def _srun_env(rank: int) -> dict[str, str]:
    """What srun sets for task ``rank`` of a 2-task step on one node."""
    return {
        "SLURM_JOB_ID": "4242",
        "SLURM_NNODES": "1",
        "SLURM_NODEID": "0",
        "SLURM_NODELIST": "127.0.0.1",
        "SLURM_NTASKS": "2",
        "SLURM_NTASKS_PER_NODE": "2",
        "SLURM_TASKS_PER_NODE": "2",
        "SLURM_PROCID": str(rank),
        "SLURM_LOCALID": str(rank),
    }


def _train_argv(work_dir: Path, *extra: str) -> list[str]:
    command = [sys.executable, "-m", "treadle", "train", str(CONFIG)]
    return [*command, "--work-dir", str(work_dir), *extra]


def _wait_all(procs: list[subprocess.Popen]) -> str | None:
    """None once every process exited 0; else what went wrong (a failed rank, the timeout).

    Both are polled: a rank that dies leaves the other waiting for it, so waiting on
    the ranks in turn would sit until the deadline.
    """
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        codes = [proc.poll() for proc in procs]
        failed = [f"rank {rank} exited with {code}" for rank, code in enumerate(codes) if code]
        if failed:
            return "; ".join(failed)
        if None not in codes:
            return None
        if time.monotonic() > deadline:
            return f"the ranks did not finish within {TIMEOUT_S} s"
        time.sleep(0.2)


def _run_ranks(argv: list[str], tmp_path: Path) -> None:
    """Start one process per rank, wait for both; on a failure or timeout kill both and fail."""
    outputs = [tmp_path / f"rank{rank}.out" for rank in range(2)]
    procs = []
    for rank, output in enumerate(outputs):
        with output.open("w") as sink:
            procs.append(
                subprocess.Popen(
                    argv,
                    cwd=tmp_path,
                    env={**_clean_env(), **_srun_env(rank)},
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                )
            )
    try:
        problem = _wait_all(procs)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    if problem is not None:
        shown = "\n".join(
            f"--- rank {rank} ---\n{output.read_text()[-4000:]}"
            for rank, output in enumerate(outputs)
        )
        pytest.fail(f"{problem}\n{shown}")


def _top_level_files(work_dir: Path) -> list[str]:
    """Files directly in ``work_dir``, the best checkpoint's epoch masked."""
    names = (p.name for p in work_dir.iterdir() if p.is_file())
    return sorted(re.sub(r"^best_mse_epoch_\d+\.pth$", "best_mse_epoch_N.pth", n) for n in names)


def _checkpoint(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=True)


def test_slurm_two_tasks_one_node_one_log_one_set_of_checkpoints(tmp_path: Path) -> None:
    single, work_dir = tmp_path / "single", tmp_path / "slurm"
    baseline = subprocess.run(
        _train_argv(single), cwd=tmp_path, env=_clean_env(), capture_output=True, text=True,
        timeout=TIMEOUT_S,
    )  # fmt: skip
    assert baseline.returncode == 0, baseline.stderr[-4000:]

    port = str(free_port())
    _run_ranks(
        _train_argv(
            work_dir, "--launcher", "slurm", "--cfg-options", f"env_cfg.dist_cfg.port={port}"
        ),
        tmp_path,
    )

    # rank 0 alone writes: one timestamped log directory, one log file
    assert len([d for d in work_dir.iterdir() if d.is_dir()]) == 1
    logs = sorted(work_dir.rglob("*.log"))
    assert len(logs) == 1, logs
    text = logs[0].read_text()
    assert "distributed: True (world size 2)" in text
    assert "model wrapped in MMDistributedDataParallel" in text
    assert f"port={port}" in text  # the dumped config carries the port the ranks met on
    # 64 samples, batch 4, split over 2 ranks by the sampler: 8 iterations an epoch
    assert "Epoch(train) [3][8/8]" in text, text[-3000:]

    # the same checkpoints as the single-process run, written once
    assert _top_level_files(work_dir) == _top_level_files(single)
    assert "best_mse_epoch_N.pth" in _top_level_files(work_dir)
    last = (work_dir / "last_checkpoint").read_text().strip()
    assert Path(last).parent == work_dir
    assert Path(last).name == Path((single / "last_checkpoint").read_text().strip()).name

    # the best checkpoint is the epoch with the lowest validation mse in the log
    val_lines = [line for line in text.splitlines() if "Epoch(val)" in line and "mse:" in line]
    scores = {int(line.split("[")[1].split("]")[0]): float(line.split("mse: ")[1].split()[0])
              for line in val_lines}  # fmt: skip
    assert len(scores) == 3, text[-3000:]
    (best,) = work_dir.glob("best_mse_epoch_*.pth")
    assert best.name == f"best_mse_epoch_{min(scores, key=scores.get)}.pth"

    # each rank trained half of every epoch: half the iterations of the single run
    final = _checkpoint(work_dir / Path(last).name)
    single_final = _checkpoint(single / Path(last).name)
    assert final["meta"]["epoch"] == single_final["meta"]["epoch"]
    assert 2 * final["meta"]["iter"] == single_final["meta"]["iter"]
    assert final["state_dict"].keys() == single_final["state_dict"].keys()
    assert not any(key.startswith("module.") for key in final["state_dict"])
