"""Two real gloo processes: only rank 0 writes the log file unless ``distributed=True``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

WORKER = Path(__file__).with_name("dist_worker.py")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_two_ranks(out_dir: Path, distributed: bool) -> list[str]:
    port = str(_free_port())
    procs = []
    for rank in range(2):
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "OMPI_"))},
            "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": port,
            "RANK": str(rank),
            "LOCAL_RANK": str(rank),
            "WORLD_SIZE": "2",
            "LOCAL_WORLD_SIZE": "2",
            "OMP_NUM_THREADS": "1",
        }
        cmd = [sys.executable, str(WORKER), str(out_dir), "1" if distributed else "0"]
        procs.append(
            subprocess.Popen(
                cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
        )
    outputs = []
    for proc in procs:
        try:
            stdout, stderr = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            for other in procs:
                other.kill()
            raise
        assert proc.returncode == 0, f"rank failed:\n{stdout}\n{stderr}"
        outputs.append(stdout)
    return outputs


@pytest.mark.parametrize("distributed", [False, True])
def test_rank_files_and_console(tmp_path, distributed):
    outputs = _run_two_ranks(tmp_path, distributed)
    log_dir = tmp_path / "20260102_030405"
    reports = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    files = sorted(p.name for p in log_dir.glob("*.log"))

    if distributed:
        host = socket.gethostname()
        expected = [f"20260102_030405_{host}_device{r}_rank{r}.log" for r in range(2)]
        assert files == expected
        for rank in range(2):
            text = (log_dir / expected[rank]).read_text()
            assert f"info from rank {rank}" in text and f"error from rank {rank}" in text
            assert f"rank {1 - rank}" not in text
            assert reports[rank]["log_file"] == str(log_dir / expected[rank])
    else:
        assert files == ["20260102_030405.log"]
        text = (log_dir / files[0]).read_text()
        assert "info from rank 0" in text and "rank 1" not in text
        assert reports[1]["log_file"] is None

    # the console: rank 0 shows everything, other ranks only errors
    assert "info from rank 0" in outputs[0]
    assert "error from rank 1" in outputs[1] and "info from rank 1" not in outputs[1]
    # the visualizer records on rank 0 only
    lines = (log_dir / "vis_data" / "scalars.json").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [{"loss": 0.0, "step": 1}]
