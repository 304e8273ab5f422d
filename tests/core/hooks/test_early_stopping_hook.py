import math

import pytest

from treadle.hooks import EarlyStoppingHook, HookError


def _run(runner, metrics, **kwargs):
    runner.train_loop.max_epochs = len(metrics)
    hook = EarlyStoppingHook(**kwargs)
    runner.hooks.register(hook)
    runner.train(metrics=metrics)
    return hook


def _log_text(runner):
    for handler in runner.logger.handlers:
        handler.flush()
    with open(f"{runner.log_dir}/{runner.timestamp}.log") as f:
        return f.read()


def test_stops_after_patience_validations_without_enough_improvement(runner):
    acc = [0.5, 0.55, 0.58, 0.9, 0.95, 0.99]  # +0.05 and +0.08 are below min_delta=0.1
    hook = _run(runner, [{"acc": a} for a in acc], monitor="acc", patience=2)
    assert runner.train_loop.stop_training and runner.epoch == 3
    assert hook.best_score == 0.5 and hook.rule == "greater"
    assert "did not improve in the last 2 validations" in _log_text(runner)


def test_improvements_reset_the_wait_and_less_is_inferred_for_losses(runner):
    loss = [1.0, 0.95, 0.7, 0.65, 0.64]
    hook = _run(runner, [{"val_loss": v} for v in loss], monitor="val_loss", patience=2)
    assert hook.rule == "less" and hook.best_score == 0.7
    assert runner.train_loop.stop_training and runner.epoch == 5


def test_stopping_threshold_and_non_finite_values(runner):
    _run(
        runner, [{"acc": 0.2}, {"acc": 0.96}, {"acc": 0.97}], monitor="acc", stopping_threshold=0.95
    )
    assert runner.epoch == 2 and "Stopping threshold reached" in _log_text(runner)


def test_nan_stops_unless_check_finite_is_off(runner, tmp_path):
    _run(runner, [{"loss": 1.0}, {"loss": math.nan}, {"loss": 0.5}], monitor="loss")
    assert runner.epoch == 2 and "is not finite" in _log_text(runner)
    other = type(runner)(str(tmp_path / "other"))
    _run(
        other,
        [{"loss": 1.0}, {"loss": math.nan}, {"loss": 0.5}],
        monitor="loss",
        check_finite=False,
        patience=5,
    )
    assert other.epoch == 3 and not other.train_loop.stop_training


def test_missing_monitor_warns_or_raises_when_strict(runner):
    with pytest.warns(UserWarning, match="monitors 'acc', which the metrics do not hold"):
        _run(runner, [{"top1": 1.0}] * 3, monitor="acc")
    runner.epoch = runner.iter = 0
    runner.hooks = type(runner.hooks)()
    with pytest.raises(HookError, match="set monitor= to one of them or strict=False") as info:
        _run(runner, [{"top1": 1.0}] * 3, monitor="acc", strict=True)
    assert isinstance(info.value.__cause__, RuntimeError)


def test_arguments_and_loop_contract(runner):
    with pytest.raises(ValueError, match=r"rule must be one of \['greater', 'less'\]"):
        EarlyStoppingHook("acc", rule="max")
    with pytest.raises(ValueError, match="cannot infer"):
        EarlyStoppingHook("f1")
    assert EarlyStoppingHook("f1", rule="greater").min_delta == 0.1
    assert EarlyStoppingHook("err", rule="less").min_delta == -0.1
    del runner.train_loop.stop_training
    with pytest.raises(AttributeError, match="needs a train loop with a `stop_training` flag"):
        EarlyStoppingHook("acc").before_run(runner)
