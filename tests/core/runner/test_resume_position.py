"""Data position: skipping consumed batches, and in-process resumes that end bitwise equal."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader

from treadle.dataset import DefaultSampler
from treadle.runner import Runner
from treadle.runner.loops import skip_batches


def test_skip_batches_keeps_the_order_of_the_rest():
    data = list(range(20))
    loader = DataLoader(data, batch_size=3, sampler=DefaultSampler(data, shuffle=True, seed=3))
    full = [batch.tolist() for batch in loader]
    assert [batch.tolist() for batch in skip_batches(loader, 4)] == full[4:]
    assert len(skip_batches(loader, 4)) == len(full) - 4


def test_skip_batches_with_worker_processes():
    data = list(range(12))
    loader = DataLoader(
        data, batch_size=2, num_workers=2, sampler=DefaultSampler(data, shuffle=True, seed=5)
    )
    full = [batch.tolist() for batch in loader]
    assert [batch.tolist() for batch in skip_batches(loader, 3)] == full[3:]


def _train_with_iter_checkpoints(toy_kwargs, tmp_path, name, **over):
    hooks = dict(checkpoint=dict(type="CheckpointHook", interval=3, by_epoch=False),
                 logger=dict(type="LoggerHook", interval=4))  # fmt: skip
    runner = Runner(**toy_kwargs(work_dir=str(tmp_path / name), default_hooks=hooks, **over))
    runner.train()
    return runner


def _final(work_dir) -> dict:
    return torch.load(work_dir / "iter_16.pth", weights_only=True)["state_dict"]


def _resume_from(toy_kwargs, tmp_path, name, checkpoint, **over):
    hooks = dict(checkpoint=dict(type="CheckpointHook", interval=3, by_epoch=False))
    runner = Runner(**toy_kwargs(work_dir=str(tmp_path / name), default_hooks=hooks,
                                 load_from=str(checkpoint), resume=True, **over))  # fmt: skip
    runner.train()
    return runner


def test_epoch_loop_resumes_mid_epoch_bitwise(toy_kwargs, tmp_path):
    _train_with_iter_checkpoints(toy_kwargs, tmp_path, "full")
    # iteration 9 is the first batch of epoch 2 ... 6 is in the middle of epoch 1
    for step in (6, 9):
        _resume_from(toy_kwargs, tmp_path, f"from{step}", tmp_path / "full" / f"iter_{step}.pth")
        a, b = _final(tmp_path / "full"), _final(tmp_path / f"from{step}")
        assert all(torch.equal(a[key], b[key]) for key in a), step


def test_iter_loop_with_infinite_sampler_resumes_bitwise(toy_kwargs, tmp_path):
    over = dict(by_epoch=False, sampler="InfiniteSampler")
    _train_with_iter_checkpoints(toy_kwargs, tmp_path, "full", **over)
    _resume_from(toy_kwargs, tmp_path, "resumed", tmp_path / "full" / "iter_12.pth", **over)
    a, b = _final(tmp_path / "full"), _final(tmp_path / "resumed")
    assert all(torch.equal(a[key], b[key]) for key in a)


def test_iter_loop_over_default_sampler_resumes_across_passes(toy_kwargs, tmp_path):
    over = dict(by_epoch=False)
    _train_with_iter_checkpoints(toy_kwargs, tmp_path, "full", **over)
    resumed = _resume_from(
        toy_kwargs, tmp_path, "resumed", tmp_path / "full" / "iter_9.pth", **over
    )
    assert resumed.train_loop.dataloader_iterator.epoch == 1
    a, b = _final(tmp_path / "full"), _final(tmp_path / "resumed")
    assert all(torch.equal(a[key], b[key]) for key in a)
