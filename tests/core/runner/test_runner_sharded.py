"""``model_wrapper_cfg=dict(type='MMFullyShardedDataParallel')`` and a
``ZeroRedundancyOptimizer`` in real 2-rank gloo jobs: training, whole checkpoints gathered
from the shards, and an exact resume."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from treadle.runner import load_checkpoint

WORKER = Path(__file__).with_name("sharded_worker.py")


@pytest.fixture(scope="module")
def runs(tmp_path_factory, launch_ranks) -> dict:
    """An unbroken 3-epoch run, and a run stopped after 2 epochs then resumed to 3."""
    base = tmp_path_factory.mktemp("fsdp")

    def train(name: str, max_epochs: int, *extra: str) -> dict:
        out = base / f"{name}-{max_epochs}.pt"
        argv = [sys.executable, str(WORKER), str(base / name), str(max_epochs), str(out), *extra]
        launch_ranks(argv)
        result = torch.load(out, weights_only=True)
        ranks = [torch.load(f"{out}.rank{rank}", weights_only=True) for rank in range(2)]
        return dict(result, grad_norms=[r["grad_norm"] for r in ranks])

    return dict(
        base=base,
        unbroken=train("unbroken", 3),
        stopped=train("resumed", 2),
        resumed=train("resumed", 3),
        clipped=train("clipped", 1, "clip"),
        zero_unbroken=train("zero-unbroken", 3, "zero"),
        zero_stopped=train("zero-resumed", 2, "zero"),
        zero_resumed=train("zero-resumed", 3, "zero"),
    )


@pytest.mark.slow
def test_a_resumed_run_ends_with_the_unbroken_runs_weights(runs) -> None:
    assert runs["unbroken"]["wrapper"] == "MMFullyShardedDataParallel"
    unbroken, stopped, resumed = (runs[k]["weights"] for k in ("unbroken", "stopped", "resumed"))
    assert not torch.equal(stopped["linear.weight"], unbroken["linear.weight"])
    for key, value in unbroken.items():
        assert torch.equal(resumed[key], value), key


@pytest.mark.slow
def test_checkpoints_hold_the_whole_model_and_optimizer(runs) -> None:
    path = runs["base"] / "unbroken" / "epoch_3.pth"
    checkpoint = torch.load(path, weights_only=True)
    assert {k: tuple(v.shape) for k, v in checkpoint["state_dict"].items()} == {
        "linear.weight": (1, 16),
        "linear.bias": (1,),
    }
    momentum = checkpoint["optimizer"]["state"]["linear.weight"]["momentum_buffer"]
    assert momentum.shape == (1, 16)  # gathered from both ranks' shards, not rank 0's half
    # a plain model (no FSDP, no process group) loads the gathered weights
    plain = nn.Module()
    plain.linear = nn.Linear(16, 1)
    load_checkpoint(plain, str(path), strict=True)
    assert torch.equal(plain.linear.weight.detach(), runs["unbroken"]["weights"]["linear.weight"])


@pytest.mark.slow
def test_clipping_by_norm_uses_the_norm_of_the_whole_gradient(runs) -> None:
    # each rank holds a different shard; the norm clipped by must be the same on both
    norm0, norm1 = runs["clipped"]["grad_norms"]
    assert norm0 is not None and norm0 > 0.01  # above max_norm: the step was clipped
    assert norm0 == pytest.approx(norm1, rel=1e-6)
    assert runs["unbroken"]["grad_norms"] == [None, None]  # no clipping asked for


@pytest.mark.slow
def test_a_zero_optimizer_saves_its_whole_state_and_resumes_exactly(runs) -> None:
    assert runs["zero_unbroken"]["optimizer"] == "ZeroRedundancyOptimizer"
    assert runs["zero_unbroken"]["wrapper"] == "MMDistributedDataParallel"
    unbroken, resumed = runs["zero_unbroken"]["weights"], runs["zero_resumed"]["weights"]
    assert not torch.equal(
        runs["zero_stopped"]["weights"]["linear.weight"], unbroken["linear.weight"]
    )
    for key, value in unbroken.items():
        assert torch.equal(resumed[key], value), key
    checkpoint = torch.load(runs["base"] / "zero-unbroken" / "epoch_3.pth", weights_only=True)
    states = checkpoint["optimizer"]["state"]
    # both parameters' momentum, though each rank kept only its own parameter's
    assert sorted(tuple(s["momentum_buffer"].shape) for s in states.values()) == [(1,), (1, 16)]
