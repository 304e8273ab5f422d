"""In a 2-rank gloo job, rank 0 downloads an http checkpoint once; both ranks load it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import torch

from treadle.runner.checkpoint import save_checkpoint

WORKER = Path(__file__).with_name("http_worker.py")
LAUNCH_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_two_ranks(url: str, cache: Path, out_dir: Path) -> None:
    out_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in LAUNCH_VARS}
    env.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_free_port()), WORLD_SIZE="2")
    env.update(OMP_NUM_THREADS="1")
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), url, str(cache), str(out_dir)],
            env={**env, "RANK": str(rank), "LOCAL_RANK": str(rank)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rank in range(2)
    ]
    try:
        outputs = [proc.communicate(timeout=120) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    for rank, (proc, (stdout, stderr)) in enumerate(zip(procs, outputs, strict=True)):
        assert proc.returncode == 0, f"rank {rank} failed:\n{stdout}\n{stderr}"


@pytest.mark.slow
def test_rank0_downloads_once_and_every_rank_loads(http_root, http_gets: Counter, tmp_path):
    base, root = http_root
    state = {"weight": torch.randn(4, 4)}
    save_checkpoint({"state_dict": state}, root / "dist_weights.pth")
    cache, out_dir = tmp_path / "cache", tmp_path / "out"
    _run_two_ranks(f"{base}/dist_weights.pth", cache, out_dir)
    assert http_gets["/dist_weights.pth"] == 1
    assert os.listdir(cache) == ["dist_weights.pth"]
    for rank in range(2):
        loaded = torch.load(out_dir / f"rank{rank}.pt", weights_only=True)
        assert torch.equal(loaded["weight"], state["weight"])


@pytest.mark.slow
def test_a_failed_download_on_rank0_is_raised_on_every_rank(http_root, tmp_path):
    base, _ = http_root
    out_dir = tmp_path / "out"
    _run_two_ranks(f"{base}/not_there.pth", tmp_path / "cache", out_dir)
    assert (out_dir / "rank0.err").read_text().startswith("FileNotFoundError")
    rank1 = (out_dir / "rank1.err").read_text()
    assert "rank 0 could not download checkpoint" in rank1 and "not_there.pth" in rank1
