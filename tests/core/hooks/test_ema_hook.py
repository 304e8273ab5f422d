import pytest
import torch

from treadle.hooks import EMAHook, Hook
from treadle.model import MomentumAnnealingEMA


class Snapshots(Hook):
    """After EMAHook (NORMAL), record source and averaged weights of every iteration."""

    priority = "LOW"

    def __init__(self, ema_hook):
        self.ema_hook = ema_hook
        self.source, self.averaged, self.val_weights = [], [], []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.source.append(runner.model.linear.weight.detach().clone())
        self.averaged.append(self.ema_hook.ema_model.module.linear.weight.detach().clone())

    def before_val_iter(self, runner, batch_idx, data_batch=None):
        self.val_weights.append(runner.model.linear.weight.detach().clone())


def test_the_average_follows_the_ema_formula(runner):
    ema = EMAHook(momentum=0.25)
    probe = Snapshots(ema)
    runner.hooks.register(ema)
    runner.hooks.register(probe)
    runner.train()
    expected = probe.source[0]  # the first update copies
    for source, averaged in zip(probe.source[1:], probe.averaged[1:], strict=True):
        expected = 0.75 * expected + 0.25 * source
        torch.testing.assert_close(averaged, expected)
    assert not torch.allclose(probe.averaged[-1], probe.source[-1])


def test_before_begin_iter_the_average_copies_the_model(runner):
    ema = EMAHook(momentum=0.25, begin_iter=6)
    probe = Snapshots(ema)
    runner.hooks.register(ema)
    runner.hooks.register(probe)
    runner.train()
    for i in range(6):  # iterations 0-4 copy; 5 is the first update, which copies too
        torch.testing.assert_close(probe.averaged[i], probe.source[i])
    assert not torch.allclose(probe.averaged[6], probe.source[6])


def test_validation_runs_with_the_averaged_weights_then_swaps_back(runner):
    ema = EMAHook(momentum=0.25)
    probe = Snapshots(ema)
    runner.hooks.register(ema)
    runner.hooks.register(probe)
    runner.train(metrics=[{}, {}, {}])
    # each epoch's validation saw the average of that epoch's last iteration
    for epoch, weights in enumerate(probe.val_weights[::4]):
        torch.testing.assert_close(weights, probe.averaged[4 * epoch + 3])
    torch.testing.assert_close(runner.model.linear.weight, probe.source[-1])  # restored
    torch.testing.assert_close(ema.ema_model.module.linear.weight, probe.averaged[-1])


def test_checkpoints_hold_the_average_as_state_dict_and_resume_swaps_back(runner, tmp_path):
    ema = EMAHook(momentum=0.25)
    runner.hooks.register(ema)
    runner.train()
    runner.save_checkpoint(str(tmp_path), "ckpt.pth")
    checkpoint = torch.load(tmp_path / "ckpt.pth", weights_only=True)
    averaged = ema.ema_model.module.linear.weight
    torch.testing.assert_close(checkpoint["state_dict"]["linear.weight"], averaged)
    torch.testing.assert_close(
        checkpoint["ema_state_dict"]["module.linear.weight"], runner.model.linear.weight
    )
    # resume into a fresh model and hook: both the model and the average come back
    fresh = type(runner)(str(tmp_path / "resumed"))
    fresh._resume = True
    hook = EMAHook(momentum=0.25)
    hook.before_run(fresh)
    hook.after_load_checkpoint(fresh, checkpoint)
    fresh.model.load_state_dict(checkpoint["state_dict"])
    torch.testing.assert_close(fresh.model.linear.weight, runner.model.linear.weight)
    torch.testing.assert_close(hook.ema_model.module.linear.weight, averaged)
    assert int(hook.ema_model.steps) == 12


def test_load_from_without_ema_state_starts_the_average_from_the_weights(runner, tmp_path):
    runner.save_checkpoint(str(tmp_path), "plain.pth")
    checkpoint = torch.load(tmp_path / "plain.pth", weights_only=True)
    with torch.no_grad():
        runner.model.linear.weight.add_(1.0)
    hook = EMAHook(ema_type="MomentumAnnealingEMA", gamma=10)
    hook.before_run(runner)
    assert isinstance(hook.ema_model, MomentumAnnealingEMA)
    hook.after_load_checkpoint(runner, checkpoint)
    torch.testing.assert_close(
        hook.ema_model.module.linear.weight, checkpoint["state_dict"]["linear.weight"]
    )


def test_load_from_a_checkpoint_with_another_head_skips_what_does_not_fit(runner, tmp_path):
    """Fine-tuning with EMA from weights whose head has another shape (MMEngine's rule: the
    average loads what fits, as the model does)."""
    runner.save_checkpoint(str(tmp_path), "plain.pth")
    checkpoint = torch.load(tmp_path / "plain.pth", weights_only=True)
    weight = checkpoint["state_dict"]["linear.weight"]
    checkpoint["state_dict"]["linear.weight"] = torch.zeros(weight.shape[0] + 2, weight.shape[1])
    with torch.no_grad():
        runner.model.linear.bias.add_(1.0)  # the checkpoint's bias differs from the model's
    hook = EMAHook()
    hook.before_run(runner)
    hook.after_load_checkpoint(runner, checkpoint)  # torch's load_state_dict would raise
    averaged = hook.ema_model.module
    torch.testing.assert_close(averaged.linear.weight, runner.model.linear.weight)  # kept
    torch.testing.assert_close(averaged.linear.bias, checkpoint["state_dict"]["linear.bias"])
    hook = EMAHook(strict_load=True)
    hook.before_run(runner)
    with pytest.raises(RuntimeError, match="shapes differ"):
        hook.after_load_checkpoint(runner, checkpoint)


def test_bad_begin_arguments(runner):
    with pytest.raises(ValueError, match="not both"):
        EMAHook(begin_iter=2, begin_epoch=2)
    with pytest.raises(ValueError, match=">= 0"):
        EMAHook(begin_iter=-1)
    hook = EMAHook(begin_epoch=4)
    hook.before_run(runner)
    with pytest.raises(ValueError, match=r"begin_epoch \(4\) is beyond max_epochs \(3\)"):
        hook.before_train(runner)
