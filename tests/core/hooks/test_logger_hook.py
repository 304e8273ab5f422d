import json
import os
import sys
from pathlib import Path

import pytest

from treadle.hooks import IterTimerHook, LoggerHook, RuntimeInfoHook


def _register(runner, **logger_args):
    hook = LoggerHook(**logger_args)
    for h in (RuntimeInfoHook(), IterTimerHook(), hook):
        runner.hooks.register(h)
    return hook


def _records(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def _log_text(runner):
    for handler in runner.logger.handlers:
        handler.flush()
    with open(os.path.join(runner.log_dir, f"{runner.timestamp}.log")) as f:
        return f.read()


def test_train_and_val_lines_go_to_the_log_and_the_visualizer(runner):
    _register(runner, interval=2)
    runner.train(metrics=[{"acc": 0.1}, {"acc": 0.2}, {"acc": 0.3}])
    text = _log_text(runner)
    # 4 iterations per epoch, logged at inner iterations 2 and 4 of each epoch
    assert text.count("Epoch(train)") == 6
    assert "Epoch(train) [1][2/4]" in text and "Epoch(train) [3][4/4]" in text
    assert text.count(f"Exp name: {runner.experiment_name}") == 3  # once per epoch end
    assert text.count("Epoch(val)") >= 3 and "acc: 0.3000" in text
    records = _records(os.path.join(runner.log_dir, "vis_data", f"{runner.timestamp}.json"))
    train_steps = [r["step"] for r in records if "loss" in r]
    val = [(r["step"], r["acc"]) for r in records if "acc" in r]
    assert train_steps == [2, 4, 6, 8, 10, 12]
    assert all("lr" in r and "time" in r for r in records if "loss" in r)
    assert val == [(1, 0.1), (2, 0.2), (3, 0.3)]  # step = epoch


def test_val_metrics_by_iteration_and_without_training(runner):
    _register(runner, interval=2, log_metric_by_epoch=False)
    runner.train(metrics=[{"acc": 0.1}, {"acc": 0.2}, {"acc": 0.3}])
    records = _records(os.path.join(runner.log_dir, "vis_data", f"{runner.timestamp}.json"))
    assert [r["step"] for r in records if "acc" in r] == [4, 8, 12]
    runner._train_loop = None  # runner.val() alone: no train loop was built
    runner.validate({"acc": 0.9})
    records = _records(os.path.join(runner.log_dir, "vis_data", f"{runner.timestamp}.json"))
    assert records[-1]["acc"] == 0.9 and records[-1]["step"] == 0


@pytest.mark.parametrize(("ignore_last", "lines"), [(True, 3), (False, 6)])
def test_ignore_last_decides_whether_the_epoch_tail_is_logged(runner, ignore_last, lines):
    _register(runner, interval=3, ignore_last=ignore_last)
    runner.train()
    text = _log_text(runner)
    assert text.count("Epoch(train)") == lines
    assert ("[4/4]" in text) is not ignore_last


def test_epochs_shorter_than_the_interval_log_their_last_iteration(runner):
    _register(runner, interval=50)
    runner.train()
    assert _log_text(runner).count("Epoch(train)") == 3


def test_test_results_are_dumped_as_json_in_the_log_dir(runner):
    _register(runner, interval=2)
    runner.hooks.call("before_run", runner)
    runner.validate({"err": 0.25, "per_class": [0.5, 0.0]}, mode="test")
    with open(os.path.join(runner.log_dir, f"{runner.timestamp}.json")) as f:
        dumped = json.load(f)
    assert dumped["err"] == 0.25 and dumped["per_class"] == [0.5, 0.0]
    assert _log_text(runner).count("Epoch(test)") == 3  # iterations 2 and 4, and the summary


@pytest.mark.parametrize("keep_local", [True, False])
def test_logs_are_copied_to_out_dir_after_the_run(runner, tmp_path, keep_local):
    out = tmp_path / "shipped"
    _register(runner, interval=2, out_dir=str(out), keep_local=keep_local)
    runner.train(metrics=[{"acc": 0.1}] * 3)
    target = out / "work_dir"  # out_dir + the last directory of work_dir
    log_name = f"{runner.timestamp}.log"
    assert "Epoch(train)" in (target / log_name).read_text()
    assert (target / "vis_data" / "scalars.json").is_file()
    assert os.path.exists(os.path.join(runner.log_dir, log_name)) is keep_local


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(interval=0), ValueError, "interval must be a positive int"),
        (dict(interval_exp_name=-5), ValueError, "interval_exp_name"),
        (dict(out_dir=3), TypeError, "out_dir must be a path"),
        (dict(out_suffix=[".log", 1]), TypeError, "out_suffix"),
        (dict(file_client_args=dict(backend="local")), ValueError, "only used with out_dir"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        LoggerHook(**kwargs)


def test_only_rank_zero_writes_test_results_and_uploads_logs(tmp_path, launch_ranks):
    """LoggerHook in a 2-rank job: the test-results JSON and the out_dir copies come from
    rank 0 alone (the ranks share one log_dir in a real run)."""
    worker = Path(__file__).with_name("logger_ranks_worker.py")
    launch_ranks([sys.executable, str(worker), str(tmp_path)])
    results = {rank: list((tmp_path / f"work{rank}").glob("*/*.json")) for rank in (0, 1)}
    assert len(results[0]) == 1 and "mse" in results[0][0].read_text()
    assert results[1] == []
    assert list((tmp_path / "out0").rglob("*.json"))  # uploaded by rank 0
    assert not (tmp_path / "out1").exists()
