"""A real MMEngine 0.10.7 checkpoint (tests/fixtures/mmengine_checkpoints, written by its
make_checkpoint.py) loads with ``weights_only=True`` and resumes a Treadle run."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest
import torch
from torch import nn

from treadle.runner import Runner, load_checkpoint
from treadle.runner.checkpoint import UnsafeCheckpointError, _load_checkpoint

MMENGINE_CHECKPOINT = Path(__file__).parents[2] / "fixtures/mmengine_checkpoints/epoch_1.pth"


def test_an_mmengine_checkpoint_loads_weights_only():
    checkpoint = _load_checkpoint(str(MMENGINE_CHECKPOINT))  # weights_only=True
    assert checkpoint["meta"]["epoch"] == 1 and checkpoint["meta"]["iter"] == 8
    losses = checkpoint["message_hub"]["log_scalars"]["train/loss"]
    values, counts = losses.data  # MMEngine's HistoryBuffer, kept as data
    assert len(values) == 8 and list(counts) == [1] * 8
    model = nn.Module()
    model.linear = nn.Linear(16, 1)
    load_checkpoint(model, str(MMENGINE_CHECKPOINT))
    assert torch.equal(model.linear.weight, checkpoint["state_dict"]["linear.weight"])


def test_a_treadle_run_resumes_an_mmengine_checkpoint(toy_kwargs, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(MMENGINE_CHECKPOINT, work / "epoch_1.pth")
    (work / "last_checkpoint").write_text(str(work / "epoch_1.pth"))
    start = _load_checkpoint(str(MMENGINE_CHECKPOINT))
    runner = Runner(
        **toy_kwargs(
            max_epochs=2,
            resume=True,
            optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.05, momentum=0.9)),
            param_scheduler=dict(type="MultiStepLR", milestones=[3], gamma=0.1),
            val_dataloader=None,
            val_cfg=None,
            val_evaluator=None,
        )
    )
    runner.train()
    assert runner.epoch == 2 and runner.iter == 16  # one more epoch after MMEngine's
    losses = runner.message_hub.get_scalar("train/loss").data[0]
    assert len(losses) == 16  # MMEngine's 8 values, then this run's 8
    assert list(losses[:8]) == pytest.approx(list(start["message_hub"]["log_scalars"]
                                                    ["train/loss"].data[0]))  # fmt: skip
    momentum = runner.optim_wrapper.optimizer.state[runner.model.linear.weight]
    assert "momentum_buffer" in momentum  # the optimizer state came along
    scheduler = runner.param_schedulers[0]  # MMEngine's state: its end is its 1-epoch run's
    assert (scheduler.end, scheduler._global_step) == (1, 2)


class _SneakyGetattr:
    """Pickles as ``getattr(collections.Counter, 'fromkeys')``: a getattr on something other
    than MMEngine's HistoryBuffer stand-in."""

    def __reduce__(self):
        import collections

        return getattr, (collections.Counter, "fromkeys")


def test_getattr_on_anything_else_is_refused(tmp_path):
    path = tmp_path / "sneaky.pth"
    torch.save({"state_dict": {}, "meta": {"hook": _SneakyGetattr()}}, path)
    with pytest.raises(UnsafeCheckpointError, match=r"sneaky\.pth.*getattr"):
        _load_checkpoint(str(path))
    with pytest.raises(pickle.UnpicklingError):  # UnsafeCheckpointError is one
        _load_checkpoint(str(path))
