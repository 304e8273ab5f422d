"""Launch 2-process gloo jobs of worker.py: through torchrun, or as SLURM/MPI would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import servers

WORKER = Path(__file__).with_name("worker.py")
TIMEOUT_S = 120
LAUNCH_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


@pytest.fixture
def free_port() -> int:
    """A loopback port nothing listens on right now."""
    return servers.free_port()


def clean_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in LAUNCH_VARS and not k.startswith(("SLURM_", "OMPI_", "TORCHELASTIC_"))
    }
    env["OMP_NUM_THREADS"] = "1"
    return env


def read_reports(out_dir: Path, procs: list[subprocess.Popen]) -> list[dict]:
    try:
        outputs = [proc.communicate(timeout=TIMEOUT_S) for proc in procs]
    except subprocess.TimeoutExpired:
        for proc in procs:
            proc.kill()
        raise
    for proc, (stdout, stderr) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, f"worker failed:\n{stdout}\n{stderr}"
    return [json.loads((out_dir / f"rank{r}.json").read_text()) for r in range(2)]


@pytest.fixture
def run_torchrun(tmp_path):
    """Run worker.py under `python -m torch.distributed.run --nproc-per-node 2`."""

    def run() -> list[dict]:
        cmd = [
            sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
            "--master-addr", "127.0.0.1", "--master-port", str(servers.free_port()),
            str(WORKER), "pytorch", str(tmp_path),
        ]  # fmt: skip
        proc = subprocess.Popen(
            cmd,
            cwd=tmp_path,
            env=clean_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        return read_reports(tmp_path, [proc])

    return run


@pytest.fixture
def run_ranks(tmp_path):
    """Start one worker.py per rank with the variables ``env_for(rank)`` returns."""

    def run(launcher: str, env_for, *args: str) -> list[dict]:
        procs = [
            subprocess.Popen(
                [sys.executable, str(WORKER), launcher, str(tmp_path), *args],
                cwd=tmp_path,
                env={**clean_env(), **env_for(rank)},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for rank in range(2)
        ]
        return read_reports(tmp_path, procs)

    return run
