"""In a 2-rank gloo job, rank 0 downloads an http checkpoint once; both ranks load it."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

import pytest
import torch

from treadle.runner.checkpoint import save_checkpoint

WORKER = Path(__file__).with_name("http_worker.py")


@pytest.mark.slow
def test_rank0_downloads_once_and_every_rank_loads(
    http_root, http_gets: Counter, tmp_path, launch_ranks
):
    base, root = http_root
    state = {"weight": torch.randn(4, 4)}
    save_checkpoint({"state_dict": state}, root / "dist_weights.pth")
    cache, out_dir = tmp_path / "cache", tmp_path / "out"
    out_dir.mkdir()
    url = f"{base}/dist_weights.pth"
    launch_ranks([sys.executable, str(WORKER), url, str(cache), str(out_dir)])
    assert http_gets["/dist_weights.pth"] == 1
    assert os.listdir(cache) == ["dist_weights.pth"]
    for rank in range(2):
        loaded = torch.load(out_dir / f"rank{rank}.pt", weights_only=True)
        assert torch.equal(loaded["weight"], state["weight"])


@pytest.mark.slow
def test_a_failed_download_on_rank0_is_raised_on_every_rank(http_root, tmp_path, launch_ranks):
    base, _ = http_root
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    url = f"{base}/not_there.pth"
    launch_ranks([sys.executable, str(WORKER), url, str(tmp_path / "cache"), str(out_dir)])
    assert (out_dir / "rank0.err").read_text().startswith("FileNotFoundError")
    rank1 = (out_dir / "rank1.err").read_text()
    assert "rank 0 could not download checkpoint" in rank1 and "not_there.pth" in rank1
