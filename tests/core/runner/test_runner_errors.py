"""Bad input: no loss, non-finite loss, damaged checkpoints, a hook that raises."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from treadle.hooks import Hook, HookError
from treadle.runner import NonFiniteLossError, Runner
from treadle.runner.checkpoint import CheckpointError
from treadle.runner.loops import TrainStepError


def test_model_without_loss_names_the_iteration(toy_kwargs):
    runner = Runner(**toy_kwargs(model=dict(type="ToyRegressor", loss_key="error")))
    with pytest.raises(TrainStepError, match=r"train iteration 1 \(epoch 1, batch 1\).*'loss'"):
        runner.train()


def test_nonfinite_loss_raises_naming_the_iteration(toy_kwargs):
    runner = Runner(**toy_kwargs(model=dict(type="ToyRegressor", nan_at=11)))
    with pytest.raises(
        NonFiniteLossError, match=r"iteration 11 \(epoch 2\).*nonfinite_loss='skip'"
    ):
        runner.train()
    assert torch.isfinite(runner.model.linear.weight).all()


def test_nonfinite_loss_skip_drops_the_step(toy_kwargs, caplog):
    train_cfg = dict(by_epoch=True, max_epochs=2, nonfinite_loss="skip")
    runner = Runner(**toy_kwargs(model=dict(type="ToyRegressor", nan_at=3), train_cfg=train_cfg))
    runner.train()
    assert runner.iter == 16
    assert torch.isfinite(runner.model.linear.weight).all()
    log = Path(runner.logger.log_file).read_text()
    assert "non-finite loss nan at iteration 3 (epoch 1); skipping this step" in log


def test_nonfinite_loss_bad_choice(toy_kwargs):
    with pytest.raises(ValueError, match="'raise', 'skip' or 'ignore'"):
        Runner(**toy_kwargs(train_cfg=dict(by_epoch=True, max_epochs=1, nonfinite_loss="stop")))


def test_truncated_checkpoint_is_named(toy_kwargs, tmp_path):
    runner = Runner(**toy_kwargs(max_epochs=1))
    runner.train()
    path = tmp_path / "work" / "epoch_1.pth"
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CheckpointError, match=r"epoch_1\.pth"):
        runner.load_checkpoint(str(path))


def test_resume_falls_back_to_previous_good_checkpoint(toy_kwargs, tmp_path):
    Runner(**toy_kwargs(max_epochs=3, experiment_name="first")).train()
    newest = tmp_path / "work" / "epoch_3.pth"
    newest.write_bytes(newest.read_bytes()[: newest.stat().st_size // 2])
    epochs_run = []

    class Record(Hook):
        def before_train_epoch(self, runner):
            epochs_run.append(runner.epoch)

    runner = Runner(**toy_kwargs(max_epochs=3, resume=True, experiment_name="again",
                                 custom_hooks=[Record()]))  # fmt: skip
    runner.train()
    log = Path(runner.logger.log_file).read_text()
    assert "epoch_3.pth" in log and "resuming from" in log and "epoch_2.pth" in log
    assert epochs_run == [2]  # only the third epoch was trained again
    assert runner.iter == 24


def test_hook_raising_is_named_and_log_flushed(toy_kwargs):
    class Broken(Hook):
        def before_train_epoch(self, runner):
            raise KeyError("no such key")

    runner = Runner(**toy_kwargs(custom_hooks=[Broken()]))
    with pytest.raises(HookError, match=r"hook Broken.*before_train_epoch.*no such key") as info:
        runner.train()
    assert isinstance(info.value.__cause__, KeyError)
    log = Path(runner.logger.log_file).read_text()
    assert "Broken" in log and "before_train_epoch" in log
