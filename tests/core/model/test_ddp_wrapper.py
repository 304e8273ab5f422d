"""``MMDistributedDataParallel.train_step`` in a real 2-process gloo job."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

WORKER = Path(__file__).with_name("ddp_worker.py")
TIMEOUT_S = 120


@pytest.fixture(scope="module")
def reports(tmp_path_factory, launch_ranks) -> list[dict]:
    """Start two ranks as torchrun would (env vars), wait, load what each wrote."""
    out_dir = tmp_path_factory.mktemp("ddp")
    launch_ranks([sys.executable, str(WORKER), str(out_dir)], timeout=TIMEOUT_S)
    return [torch.load(out_dir / f"rank{rank}.pt", weights_only=True) for rank in range(2)]


@pytest.mark.slow
def test_ranks_start_from_rank0_weights(reports):
    rank0, rank1 = reports
    assert not torch.equal(rank0["initial"]["fc.weight"], rank1["initial"]["fc.weight"])
    for key in rank0["initial"]:
        assert torch.equal(rank1["synced"][key], rank0["initial"][key])


@pytest.mark.slow
def test_gradients_are_averaged_and_parameters_identical(reports):
    rank0, rank1 = reports
    assert not torch.allclose(rank0["local_grads"]["fc.weight"], rank1["local_grads"]["fc.weight"])
    for name in ("fc.weight", "fc.bias"):
        mean_grad = (rank0["local_grads"][name] + rank1["local_grads"][name]) / 2
        expected = rank0["synced"][name] - rank0["lr"] * mean_grad
        torch.testing.assert_close(rank0["after"][name], expected)
        assert torch.equal(rank0["after"][name], rank1["after"][name])


@pytest.mark.slow
def test_log_vars_are_per_rank_losses_and_val_step_delegates(reports):
    for report in reports:
        assert list(report["log_vars"]) == ["loss", "loss_mse"]
        assert report["log_vars"]["loss"] == report["log_vars"]["loss_mse"] > 0
        assert report["is_wrapper"] is True
        torch.testing.assert_close(report["val"], report["expected_val"])
    assert reports[0]["log_vars"]["loss"] != reports[1]["log_vars"]["loss"]


@pytest.mark.slow
def test_accumulation_skips_the_all_reduce_until_the_window_ends(reports):
    acc0, acc1 = (report["accumulate"] for report in reports)
    lr = reports[0]["lr"]
    # mid-window (inside no_sync): each rank holds its own gradient, scaled by 1/2
    torch.testing.assert_close(acc0["mid_grad"], acc0["local_grads"][0]["fc.weight"] / 2)
    torch.testing.assert_close(acc1["mid_grad"], acc1["local_grads"][0]["fc.weight"] / 2)
    assert torch.equal(acc0["mid_weight"], acc0["start"]["fc.weight"])
    # end of window: the mean over ranks of the accumulated (summed, halved) gradients
    for name in ("fc.weight", "fc.bias"):
        total = sum(g[name] for acc in (acc0, acc1) for g in acc["local_grads"]) / 4
        torch.testing.assert_close(acc0["after"][name], acc0["start"][name] - lr * total)
        assert torch.equal(acc0["after"][name], acc1["after"][name])
