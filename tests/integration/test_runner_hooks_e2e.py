"""End to end: the built-in hooks driven by the real ``Runner`` and its real loops.

The hooks' unit tests use a stand-in runner; here each hook runs inside
``Runner.train()`` on the toy regression job (tests/fixtures/toy_runner) and the
results are read back from the optimizer, the checkpoints on disk, the log file
and ``vis_data/scalars.json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import torch

from treadle.evaluator import BaseMetric
from treadle.hooks import Hook, HookError
from treadle.runner import Runner

TOY = Path(__file__).parents[1] / "fixtures" / "toy_runner"
if str(TOY) not in sys.path:
    sys.path.insert(0, str(TOY))

import toy_train  # noqa: E402  (registers ToyRegression, ToyRegressor, ToyMSE)


@pytest.fixture(autouse=True)
def _forget_default_scopes():
    """A runner leaves its default scope current for the process; drop what a test made."""
    from treadle.registry import DefaultScope

    before = dict(DefaultScope._instance_dict)
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(before)


def _loader(size: int, seed: int, shuffle: bool) -> dict:
    return dict(
        dataset=dict(type="ToyRegression", size=size, seed=seed),
        sampler=dict(type="DefaultSampler", shuffle=shuffle),
        batch_size=4,
        collate_fn=dict(type="default_collate"),
    )


def toy_runner(work_dir: Path, **over: Any) -> Runner:
    """A seeded toy job: 16 training samples (4 iterations an epoch), 8 validation samples."""
    kwargs: dict[str, Any] = dict(
        model=dict(type="ToyRegressor"),
        work_dir=str(work_dir),
        train_dataloader=_loader(16, 0, True),
        val_dataloader=_loader(8, 1, False),
        val_evaluator=dict(type="ToyMSE"),
        val_cfg=dict(),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.05)),
        default_hooks=dict(logger=dict(type="LoggerHook", interval=1)),
        randomness=dict(seed=3, deterministic=True),
        log_level="INFO",
    )
    kwargs.update(over)
    if "experiment_name" in over:
        # loggers and message hubs are per-process instances by name: keep tests apart
        kwargs["experiment_name"] = f"{work_dir.parent.name}_{over['experiment_name']}"
    return Runner(**kwargs)


class ScriptedScore(BaseMetric):
    """Reports ``err = scores[epoch]`` after each training epoch: a score sequence the test
    chooses. ``runner`` is set by the test once the runner exists."""

    default_prefix = "scripted"

    def __init__(self, scores: dict[int, float]) -> None:
        super().__init__()
        self.scores = scores
        self.runner: Runner | None = None

    def process(self, data_batch, data_samples) -> None:
        self.results.append(len(data_samples))

    def compute_metrics(self, results: list) -> dict:
        return dict(err=self.scores[self.runner.epoch])


def scripted_runner(work_dir: Path, scores: dict[int, float], **over: Any) -> Runner:
    metric = ScriptedScore(scores)
    runner = toy_runner(work_dir, val_evaluator=metric, **over)
    metric.runner = runner
    return runner


def hook_of(runner: Runner, name: str) -> Any:
    (hook,) = [hook for hook in runner.hooks if type(hook).__name__ == name]
    return hook


def scalars(runner: Runner) -> list[dict]:
    path = Path(runner.log_dir) / "vis_data" / "scalars.json"
    return [json.loads(line) for line in path.read_text().splitlines()]


def log_text(runner: Runner) -> str:
    return Path(runner.logger.log_file).read_text()


def val_mse(weight: torch.Tensor, bias: torch.Tensor) -> float:
    """ToyMSE of a linear model with these weights on the validation set, by hand."""
    data = toy_train.ToyRegression(size=8, seed=1)
    pred = data.x @ weight.T + bias
    return float((pred - data.y).pow(2).mean())


# -- 1. CheckpointHook(save_best) across a resume -----------------------------------------
class BestProbe(Hook):
    """Records what CheckpointHook knows of the best checkpoint when training starts."""

    priority = "LOWEST"

    def before_train(self, runner) -> None:
        checkpoint = hook_of(runner, "CheckpointHook")
        self.best_path = checkpoint.best_ckpt_path
        self.best_score = runner.message_hub.get_info("best_score")


def test_save_best_survives_resume_and_replaces_the_old_best(tmp_path):
    work = tmp_path / "work"
    # lower err is better; epoch 2 is best of the first run, epoch 3 worse, epoch 4 better
    scores = {1: 5.0, 2: 3.0, 3: 4.0, 4: 1.0}
    checkpoint = dict(type="CheckpointHook", interval=1, save_best="scripted/err", rule="less")
    hooks = dict(logger=dict(type="LoggerHook", interval=1), checkpoint=checkpoint)
    first = scripted_runner(work, scores, default_hooks=hooks, experiment_name="first")
    first.train()
    assert sorted(p.name for p in work.glob("best_*.pth")) == ["best_scripted_err_epoch_2.pth"]

    probe = BestProbe()
    second = scripted_runner(
        work, scores, default_hooks=hooks, resume=True, experiment_name="second",
        train_cfg=dict(by_epoch=True, max_epochs=4), custom_hooks=[probe],
    )  # fmt: skip
    second.train()

    assert probe.best_path == str(work / "best_scripted_err_epoch_2.pth")
    assert probe.best_score == 3.0
    # epoch 3 (4.0) was worse than the restored 3.0: no new best then; epoch 4 replaced it
    assert sorted(p.name for p in work.glob("best_*.pth")) == ["best_scripted_err_epoch_4.pth"]
    log = log_text(second)
    assert f"The previous best checkpoint {work / 'best_scripted_err_epoch_2.pth'} is removed" in (
        log
    )
    assert "scripted/err at 3 epoch is saved" not in log
    assert second.message_hub.get_info("best_score") == 1.0
    best = torch.load(work / "best_scripted_err_epoch_4.pth", weights_only=True, map_location="cpu")
    last = torch.load(work / "epoch_4.pth", weights_only=True, map_location="cpu")
    for key, value in last["state_dict"].items():
        assert torch.equal(best["state_dict"][key], value), key
    # the periodic checkpoint of the best epoch knows the new best, for a later resume
    hub_state = last["message_hub"]["runtime_info"]
    assert hub_state["best_score"] == 1.0
    assert hub_state["best_ckpt"] == str(work / "best_scripted_err_epoch_4.pth")


class TwoScores(ScriptedScore):
    """Reports ``a, b = scores[epoch]``."""

    def compute_metrics(self, results: list) -> dict:
        a, b = self.scores[self.runner.epoch]
        return dict(a=a, b=b)


def test_save_best_with_two_keys_survives_resume(tmp_path):
    work = tmp_path / "work"
    scores = {1: (5.0, 5.0), 2: (3.0, 6.0), 3: (4.0, 2.0), 4: (1.0, 7.0)}
    checkpoint = dict(
        type="CheckpointHook", interval=1, save_best=["scripted/a", "scripted/b"], rule="less"
    )
    for max_epochs, resume in ((2, False), (4, True)):
        metric = TwoScores(scores)
        runner = toy_runner(
            work,
            val_evaluator=metric,
            train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
            default_hooks=dict(checkpoint=checkpoint),
            resume=resume,
            experiment_name=f"two{max_epochs}",
        )
        metric.runner = runner
        runner.train()
        if not resume:
            assert sorted(p.name for p in work.glob("best_*.pth")) == [
                "best_scripted_a_epoch_2.pth",
                "best_scripted_b_epoch_1.pth",
            ]
    # a: best again at epoch 4; b: at epoch 3; each replaced its own old best only
    assert sorted(p.name for p in work.glob("best_*.pth")) == [
        "best_scripted_a_epoch_4.pth",
        "best_scripted_b_epoch_3.pth",
    ]
    hub = runner.message_hub
    assert (hub.get_info("best_score_scripted/a"), hub.get_info("best_score_scripted/b")) == (
        1.0,
        2.0,
    )


# -- 2. EMAHook through the real ValLoop ----------------------------------------------------
class WeightProbe(Hook):
    """Records the model's weights before validation, during it, and after it."""

    priority = "LOWEST"

    def __init__(self) -> None:
        self.before_val: list[torch.Tensor] = []
        self.during_val: list[torch.Tensor] = []
        self.after_val_: list[torch.Tensor] = []
        self.metrics: list[dict] = []
        self.at_train_start: dict[str, Any] = {}

    def before_train(self, runner) -> None:
        ema = hook_of(runner, "EMAHook").ema_model
        self.at_train_start = dict(
            model={k: v.cpu().clone() for k, v in runner.model.state_dict().items()},
            ema={k: v.cpu().clone() for k, v in ema.state_dict().items()},
        )

    def after_train_epoch(self, runner) -> None:
        self.before_val.append(runner.model.linear.weight.detach().cpu().clone())

    def after_val_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if batch_idx == 0:
            self.during_val.append(runner.model.linear.weight.detach().cpu().clone())

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.metrics.append(dict(metrics))

    def after_val(self, runner) -> None:
        self.after_val_.append(runner.model.linear.weight.detach().cpu().clone())


def test_ema_weights_are_validated_restored_and_resumed(tmp_path):
    work = tmp_path / "work"
    ema = dict(type="EMAHook", momentum=0.3)
    probe = WeightProbe()
    hooks = dict(
        logger=dict(type="LoggerHook", interval=1),
        checkpoint=dict(type="CheckpointHook", interval=1, save_best="mse", rule="less"),
    )
    runner = toy_runner(
        work, custom_hooks=[ema, probe], default_hooks=hooks, experiment_name="ema1"
    )
    runner.train()
    averaged = hook_of(runner, "EMAHook").ema_model
    ema_weight = averaged.module.linear.weight.detach().cpu().clone()
    ema_bias = averaged.module.linear.bias.detach().cpu().clone()
    raw_weight = runner.model.linear.weight.detach().cpu().clone()
    raw_bias = runner.model.linear.bias.detach().cpu().clone()
    assert not torch.allclose(ema_weight, raw_weight)  # else the test proves nothing

    # the last validation ran on the averaged weights, and its metric says so
    assert torch.equal(probe.during_val[-1], ema_weight)
    assert probe.metrics[-1]["mse"] == pytest.approx(val_mse(ema_weight, ema_bias), rel=1e-5)
    assert probe.metrics[-1]["mse"] != pytest.approx(val_mse(raw_weight, raw_bias), rel=1e-3)
    # after each validation the raw weights are back, as they were before it
    assert len(probe.after_val_) == 2
    for before, after in zip(probe.before_val, probe.after_val_, strict=True):
        assert torch.equal(before, after)
    assert torch.equal(raw_weight, probe.before_val[-1])
    # checkpoints hold the averaged weights as state_dict and the raw ones in ema_state_dict
    saved = torch.load(work / "epoch_2.pth", weights_only=True, map_location="cpu")
    assert torch.equal(saved["state_dict"]["linear.weight"], ema_weight)
    assert torch.equal(saved["ema_state_dict"]["module.linear.weight"], raw_weight)
    # the best checkpoint (saved after validation, raw weights back) holds that epoch's average
    (best,) = work.glob("best_mse_epoch_*.pth")
    best_epoch = int(best.stem.rsplit("_", 1)[1])
    best_state = torch.load(best, weights_only=True, map_location="cpu")["state_dict"]
    assert torch.equal(best_state["linear.weight"], probe.during_val[best_epoch - 1])

    # resume: the average and the raw weights come back as they were
    probe2 = WeightProbe()
    resumed = toy_runner(
        work, custom_hooks=[ema, probe2], resume=True, experiment_name="ema2",
        default_hooks=hooks,
        train_cfg=dict(by_epoch=True, max_epochs=3),
    )  # fmt: skip
    resumed.train()
    start = probe2.at_train_start
    assert torch.equal(start["model"]["linear.weight"], raw_weight)
    assert torch.equal(start["ema"]["module.linear.weight"], ema_weight)
    assert torch.equal(start["ema"]["module.linear.bias"], ema_bias)
    assert int(start["ema"]["steps"]) == 8
    assert int(hook_of(resumed, "EMAHook").ema_model.steps) == 12


# -- 3. EarlyStoppingHook stops EpochBasedTrainLoop ------------------------------------
class EpochProbe(Hook):
    def __init__(self) -> None:
        self.epochs: list[int] = []

    def before_train_epoch(self, runner) -> None:
        self.epochs.append(runner.epoch)


def test_early_stopping_ends_the_epoch_loop(tmp_path):
    work = tmp_path / "work"
    # best 4.0 at epoch 2; 4.05 and 3.95 are no improvement by min_delta=0.1
    scores = {1: 5.0, 2: 4.0, 3: 4.05, 4: 3.95, 5: 1.0, 6: 1.0, 7: 1.0, 8: 1.0}
    stop = dict(type="EarlyStoppingHook", monitor="scripted/err", rule="less", patience=2)
    probe = EpochProbe()
    runner = scripted_runner(
        work, scores, train_cfg=dict(by_epoch=True, max_epochs=8), custom_hooks=[stop, probe]
    )
    runner.train()
    assert probe.epochs == [0, 1, 2, 3]
    assert runner.epoch == 4 and runner.iter == 16
    assert runner.train_loop.stop_training
    assert "scripted/err did not improve in the last 2 validations (best 4.000). Stopping." in (
        log_text(runner)
    )
    assert (work / "last_checkpoint").read_text().strip().endswith("epoch_4.pth")
    assert not (work / "epoch_5.pth").exists()


# -- 4. ParamSchedulerHook with IterBasedTrainLoop --------------------------------------
class LrProbe(Hook):
    def __init__(self) -> None:
        self.lrs: list[float] = []

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self.lrs.append(runner.optim_wrapper.optimizer.param_groups[0]["lr"])


def expected_lr(i: int) -> float:
    """The lr of (0-based) iteration ``i`` under the schedulers of the test below."""
    base = 0.1
    # LinearLR(begin=0, end=4): 0.5 -> 1.0 in equal steps over iterations 0..3 (MMEngine)
    warmup = 0.5 + 0.5 * min(i, 3) / 3
    # MultiStepLR by iteration, milestone 6
    by_iter = 0.5 if i >= 6 else 1.0
    # MultiStepLR by epoch, milestone 2, converted with 4 iterations an epoch: iteration 8
    by_epoch = 0.1 if i >= 8 else 1.0
    return base * warmup * by_iter * by_epoch


def test_iteration_and_converted_epoch_schedulers_in_iter_loop(tmp_path):
    probe = LrProbe()
    runner = toy_runner(
        tmp_path / "work",
        train_cfg=dict(by_epoch=False, max_iters=12, val_interval=4),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        param_scheduler=[
            dict(type="LinearLR", start_factor=0.5, by_epoch=False, begin=0, end=4),
            dict(type="MultiStepLR", milestones=[6], gamma=0.5, by_epoch=False),
            dict(
                type="MultiStepLR",
                milestones=[2],
                gamma=0.1,
                by_epoch=True,
                convert_to_iter_based=True,
            ),
        ],
        default_hooks=dict(
            logger=dict(type="LoggerHook", interval=1),
            checkpoint=dict(type="CheckpointHook", interval=-1, by_epoch=False),
        ),
        custom_hooks=[probe],
    )
    runner.train()
    expected = [expected_lr(i) for i in range(12)]
    assert probe.lrs == pytest.approx(expected, rel=1e-6)
    logged = {row["step"]: row["lr"] for row in scalars(runner) if "lr" in row}
    assert sorted(logged) == list(range(1, 13))
    assert [logged[step] for step in range(1, 13)] == pytest.approx(expected, rel=1e-6)


def test_iteration_schedulers_continue_after_resume(tmp_path):
    """A run stopped after 5 of 12 iterations and resumed follows the schedule of the
    whole run. The schedulers name their ``end``: without one it would default to the
    first run's shorter length, which a resume keeps (as MMEngine's does)."""
    work = tmp_path / "work"
    lrs = []
    for max_iters, resume in ((5, False), (12, True)):
        probe = LrProbe()
        toy_runner(
            work,
            train_cfg=dict(by_epoch=False, max_iters=max_iters, val_interval=100),
            optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
            param_scheduler=[
                dict(type="LinearLR", start_factor=0.5, by_epoch=False, begin=0, end=4),
                dict(type="MultiStepLR", milestones=[6], gamma=0.5, by_epoch=False, end=12),
                dict(
                    type="MultiStepLR",
                    milestones=[2],
                    gamma=0.1,
                    convert_to_iter_based=True,
                    end=3,  # epochs of 4 iterations
                ),
            ],
            default_hooks=dict(checkpoint=dict(type="CheckpointHook", by_epoch=False)),
            custom_hooks=[probe],
            resume=resume,
            experiment_name=f"sched{max_iters}",
        ).train()
        lrs += probe.lrs
    assert (work / "last_checkpoint").read_text().strip().endswith("iter_12.pth")
    assert lrs == pytest.approx([expected_lr(i) for i in range(12)], rel=1e-6)


def test_reduce_on_plateau_is_stepped_with_the_val_metrics(tmp_path):
    probe = LrProbe()
    metric = ScriptedScore({epoch: 5.0 for epoch in range(1, 7)})  # never improves
    runner = toy_runner(
        tmp_path / "work",
        val_evaluator=metric,
        train_cfg=dict(by_epoch=True, max_epochs=6),
        param_scheduler=dict(
            type="ReduceOnPlateauLR", monitor="scripted/err", rule="less", patience=1, factor=0.5
        ),
        custom_hooks=[probe],
    )
    metric.runner = runner
    runner.train()
    # halved once more than `patience` validations went without improvement: after 3 and 5
    per_epoch = probe.lrs[::4]
    assert per_epoch == pytest.approx([0.05, 0.05, 0.05, 0.025, 0.025, 0.0125])


# -- 5. LoggerHook(log_metric_by_epoch) with IterBasedTrainLoop --------------------------
@pytest.mark.parametrize(
    ("by_epoch", "steps", "line_head"),
    [
        (False, [4, 8, 12], "Iter(val) [2/2]"),  # the user guide's iteration-based recipe
        (True, [0, 0, 0], "Epoch(val) [0][2/2]"),  # no epochs counted: step 0, as MMEngine
    ],
)
def test_val_metrics_step_in_iter_loop(tmp_path, by_epoch, steps, line_head):
    runner = toy_runner(
        tmp_path / "work",
        train_cfg=dict(by_epoch=False, max_iters=12, val_interval=4),
        log_processor=dict(by_epoch=by_epoch),
        default_hooks=dict(
            logger=dict(type="LoggerHook", interval=2, log_metric_by_epoch=by_epoch),
            checkpoint=dict(type="CheckpointHook", interval=-1, by_epoch=False),
        ),
    )
    runner.train()
    rows = scalars(runner)
    val_rows = [row for row in rows if "mse" in row]
    assert [row["step"] for row in val_rows] == steps
    assert [row["step"] for row in rows if "loss" in row] == [2, 4, 6, 8, 10, 12]
    lines = [line for line in log_text(runner).splitlines() if "mse: " in line]
    assert len(lines) == 3 and all(line_head in line for line in lines)
    logged = [float(line.split("mse: ")[1].split()[0]) for line in lines]
    assert [row["mse"] for row in val_rows] == pytest.approx(logged, abs=5e-5)
    assert len(set(logged)) == 3  # three validations of a model still learning


# -- 6. a hook raising inside the Runner -------------------------------------------------
class Exploding(Hook):
    """Logs a line, then raises, at ``point`` once training has reached ``iteration``."""

    priority = "LOWEST"

    def __init__(self, point: str, iteration: int) -> None:
        self.point = point
        self.iteration = iteration
        self.error = ValueError(f"boom in {point}")

    def _maybe_explode(self, runner, point: str) -> None:
        if point == self.point and runner.iter >= self.iteration:
            runner.logger.info(f"about to fail in {point}")
            raise self.error

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self._maybe_explode(runner, "after_train_iter")

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._maybe_explode(runner, "after_val_epoch")

    def before_save_checkpoint(self, runner, checkpoint) -> None:
        self._maybe_explode(runner, "before_save_checkpoint")


@pytest.mark.parametrize("point", ["after_train_iter", "after_val_epoch", "before_save_checkpoint"])
def test_hook_error_names_hook_and_point_and_log_is_on_disk(tmp_path, point):
    hook = Exploding(point, iteration=2)
    runner = toy_runner(tmp_path / "work", custom_hooks=[hook])
    with pytest.raises(HookError) as info:
        runner.train()
    message = str(info.value)
    # the hook at fault comes first, even when it failed inside another hook's call
    # (before_save_checkpoint runs inside CheckpointHook.after_train_epoch)
    assert message.startswith("hook Exploding")
    assert f"hook Exploding (priority LOWEST) raised in {point}: ValueError: boom in {point}" in (
        message
    )
    assert info.value.__cause__ is hook.error
    if point == "before_save_checkpoint":
        assert info.value.__notes__ == ["(while CheckpointHook ran after_train_epoch)"]
    # read while the runner's handlers are still open: what was logged is on disk already
    log = log_text(runner)
    assert "Epoch(train) [1][2/4]" in log
    assert f"about to fail in {point}" in log
    assert log.index(f"about to fail in {point}") < log.index(
        f"hook Exploding (priority LOWEST) raised in {point}"
    )
    assert "ERROR" in log.split(f"about to fail in {point}")[1]
    # logged once, even when the failure passed through an outer hook's call
    assert log.count(f"raised in {point}") == 1


# -- 7. treadle train without train_dataloader and optim_wrapper ------------------------
def test_cli_lists_every_missing_part_once(tmp_path):
    config = tmp_path / "partial.py"
    config.write_text(
        "custom_imports = dict(imports=['toy_train'], allow_failed_imports=False)\n"
        "model = dict(type='ToyRegressor')\n"
        "train_cfg = dict(by_epoch=True, max_epochs=1)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(TOY), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "treadle", "train", str(config), "--work-dir", str(tmp_path / "w")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "missing: train_dataloader, optim_wrapper" in proc.stderr
    assert proc.stderr.count("missing:") == 1
    assert "Traceback" not in proc.stderr
    assert not list((tmp_path / "w").glob("*.pth"))


# -- 8. the acme plugin's metric in a real run -------------------------------------------
def test_acme_sample_count_metric_in_a_run(tmp_path):
    runner = toy_runner(tmp_path / "work", val_evaluator=dict(type="acme.SampleCount"))
    runner.train()
    evaluator = runner.val_loop.evaluator
    assert type(evaluator.metrics[0]).__module__.startswith("acme_treadle")
    val_rows = [row for row in scalars(runner) if "acme/samples" in row]
    assert [(row["acme/samples"], row["step"]) for row in val_rows] == [(8, 1), (8, 2)]
    lines = [line for line in log_text(runner).splitlines() if "acme/samples: " in line]
    assert len(lines) == 2 and all("Epoch(val)" in line for line in lines)
    assert [line.split("acme/samples: ")[1].split()[0] for line in lines] == ["8", "8"]
