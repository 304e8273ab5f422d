"""Runner assembly: components from cfg dicts or objects, lazy loops, hooks, scope, from_cfg."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import torch
from torch.utils.data import BatchSampler, DataLoader

from treadle.config import Config
from treadle.registry import DATA_SAMPLERS, LOOPS, RUNNERS, DefaultScope
from treadle.runner import EpochBasedTrainLoop, IterBasedTrainLoop, MissingPartsError, Runner


@DATA_SAMPLERS.register_module(force=True)
class GroupedBatches(BatchSampler):
    """A batch sampler with the signature of mmdet's AspectRatioBatchSampler."""

    def __init__(self, sampler, batch_size: int, drop_last: bool = False) -> None:
        super().__init__(sampler, batch_size, drop_last)


def test_components_from_dicts_are_built_lazily(toy_kwargs):
    runner = Runner(**toy_kwargs(experiment_name="lazy"))
    assert isinstance(runner._train_loop, dict)  # nothing built before it is used
    assert isinstance(runner.train_loop, EpochBasedTrainLoop)
    loader = runner.train_dataloader
    assert isinstance(loader, DataLoader) and loader.batch_size == 4
    assert loader.sampler.seed == 7  # the sampler got the run's seed
    assert loader.worker_init_fn is not None
    assert runner.max_epochs == 2 and runner.max_iters == 16
    # MMEngine's tools call it on the class
    static = Runner.build_dataloader(toy_kwargs()["val_dataloader"], seed=3)
    assert static.sampler.seed == 3 and len(static) == 2
    # MMEngine's name: the given one and the run's timestamp
    assert runner.experiment_name == f"lazy_{runner.timestamp}"
    assert DefaultScope.get_instance(runner.experiment_name).scope_name == "core"
    assert os.path.isdir(runner.log_dir)


def test_objects_are_accepted_as_they_are(toy_kwargs):
    import toy_train

    model = toy_train.ToyRegressor()
    loader = DataLoader(toy_train.ToyRegression(size=8), batch_size=2)
    runner = Runner(**toy_kwargs(model=model, train_dataloader=loader, val_dataloader=None,
                                 val_evaluator=None, val_cfg=None))  # fmt: skip
    assert runner.model is model
    assert runner.train_dataloader is loader
    runner.train()
    assert runner.iter == 2 * 4


def test_default_hooks_in_priority_order_and_removable(toy_kwargs):
    runner = Runner(**toy_kwargs(default_hooks=dict(checkpoint=None, timer=None)))
    names = [type(hook).__name__ for hook in runner.hooks]
    assert names == ["RuntimeInfoHook", "DistSamplerSeedHook", "LoggerHook", "ParamSchedulerHook"]


def test_register_hook_priority_argument_wins_and_the_order_is_logged(toy_kwargs):
    from treadle.hooks import EmptyCacheHook

    runner = Runner(**toy_kwargs(log_level="INFO", default_hooks=dict(checkpoint=None)))
    runner.register_hook(dict(type="EmptyCacheHook", priority="LOWEST"), priority="HIGHEST")
    assert isinstance(runner.hooks[0], EmptyCacheHook)  # as in MMEngine
    (log,) = Path(runner.log_dir).glob("*.log")
    text = log.read_text()
    block = text.split("Hooks, in the order they run at each point:")[1]
    assert "before_train_iter:\n(VERY_HIGH   ) RuntimeInfoHook\n(NORMAL      ) IterTimerHook" in (
        block
    )


def test_missing_parts_listed_all_at_once(toy_kwargs):
    kwargs = toy_kwargs()
    with pytest.raises(MissingPartsError, match="missing: train_cfg, optim_wrapper"):
        Runner(**{**kwargs, "train_cfg": None, "optim_wrapper": None})
    # two modes given in part: both are named in the one error
    with pytest.raises(MissingPartsError) as info:
        Runner(**{**kwargs, "optim_wrapper": None, "val_evaluator": None})
    assert "train needs" in str(info.value) and "missing: optim_wrapper" in str(info.value)
    assert "val needs" in str(info.value) and "missing: val_evaluator" in str(info.value)
    bare = Runner(model=kwargs["model"], work_dir=kwargs["work_dir"], log_level="WARNING")
    with pytest.raises(MissingPartsError) as info:
        bare.train()
    assert "missing: train_dataloader, train_cfg, optim_wrapper" in str(info.value)
    with pytest.raises(
        MissingPartsError, match="missing: test_dataloader, test_cfg, test_evaluator"
    ):
        bare.test()


def test_from_cfg_and_runner_type(toy_kwargs):
    @RUNNERS.register_module(force=True)
    class MarkedRunner(Runner):
        marked = True

    cfg = Config({**toy_kwargs(), "runner_type": "MarkedRunner"})
    runner = Runner.from_cfg(cfg)
    assert type(runner) is MarkedRunner
    with pytest.raises(MissingPartsError, match="work_dir"):
        Runner.from_cfg(Config(dict(model=dict(type="ToyRegressor"))))


def test_runner_type_as_a_class_or_a_name_in_the_config_scope(toy_kwargs):
    from treadle.registry import Registry

    class ClassRunner(Runner):
        pass

    runner = Runner.from_cfg(Config({**toy_kwargs(), "runner_type": ClassRunner}))
    assert type(runner) is ClassRunner
    child = Registry("runner", parent=RUNNERS, scope="fromcfg_child")
    try:

        @child.register_module()
        class ScopedRunner(Runner):
            pass

        cfg = {**toy_kwargs(), "runner_type": "ScopedRunner", "default_scope": "fromcfg_child"}
        assert type(Runner.from_cfg(Config(cfg))) is ScopedRunner
        with pytest.raises(KeyError, match="NoSuchRunner"):
            Runner.from_cfg(Config({**cfg, "runner_type": "NoSuchRunner"}))
    finally:
        RUNNERS._children.pop("fromcfg_child")
    with pytest.raises(TypeError, match="runner_type must be a RUNNERS name or a Runner class"):
        Runner.from_cfg(Config({**toy_kwargs(), "runner_type": 3}))


def test_iter_based_loop_validates_every_interval(toy_kwargs):
    from treadle.hooks import Hook

    class Record(Hook):
        def __init__(self):
            self.val_at = []

        def after_val_epoch(self, runner, metrics=None):
            self.val_at.append((runner.iter, sorted(metrics)))

    record = Record()
    runner = Runner(**toy_kwargs(max_epochs=2, by_epoch=False, sampler="InfiniteSampler",
                                 custom_hooks=[record]))  # fmt: skip
    assert isinstance(runner.train_loop, IterBasedTrainLoop)
    runner.train()
    assert runner.iter == 16
    assert record.val_at == [(4, ["mse"]), (8, ["mse"]), (12, ["mse"]), (16, ["mse"])]


def test_epoch_loop_val_begin_and_dynamic_intervals(toy_kwargs):
    from treadle.hooks import Hook

    epochs = []

    class Record(Hook):
        def after_val_epoch(self, runner, metrics=None):
            epochs.append(runner.epoch)

    train_cfg = dict(by_epoch=True, max_epochs=7, val_begin=2, val_interval=2,
                     dynamic_intervals=[(4, 3)])  # fmt: skip
    Runner(**toy_kwargs(train_cfg=train_cfg, custom_hooks=[Record()])).train()
    # interval 2 up to epoch 2; as in MMEngine, the interval after epoch e is the one for
    # e + 1, so 3 applies from epoch 3 on (validating at 3 and 6); the last epoch always
    assert epochs == [2, 3, 6, 7]


def test_val_begin_skips_early_validation(toy_kwargs):
    from treadle.hooks import Hook

    epochs = []

    class Record(Hook):
        def after_val_epoch(self, runner, metrics=None):
            epochs.append(runner.epoch)

    train_cfg = dict(by_epoch=True, max_epochs=4, val_begin=3, val_interval=1)
    Runner(**toy_kwargs(train_cfg=train_cfg, custom_hooks=[Record()])).train()
    assert epochs == [3, 4]


def test_custom_loop_from_registry(toy_kwargs):
    @LOOPS.register_module(force=True)
    class CountingLoop(EpochBasedTrainLoop):
        def run_iter(self, idx, data_batch):
            self.seen = getattr(self, "seen", 0) + 1
            super().run_iter(idx, data_batch)

    runner = Runner(**toy_kwargs(train_cfg=dict(type="CountingLoop", max_epochs=1)))
    runner.train()
    assert type(runner.train_loop).__name__ == "CountingLoop" and runner.train_loop.seen == 8


def test_test_loop_fp16_and_val(toy_kwargs):
    test_parts = dict(
        test_dataloader=toy_kwargs()["val_dataloader"],
        test_evaluator=dict(type="ToyMSE"),
        test_cfg=dict(fp16=True),
    )
    runner = Runner(**toy_kwargs(**test_parts))
    metrics = runner.test()
    assert metrics["mse"] > 0
    assert runner.val()["mse"] > 0


@pytest.mark.parametrize(
    "schedulers",
    [[dict(type="MultiStepLR", milestones=[1])], dict(type="MultiStepLR", milestones=[1])],
)
def test_val_and_test_alone_leave_the_scheduler_configs_alone(toy_kwargs, schedulers):
    """val()/test() of a full training config never build the schedulers, and
    ParamSchedulerHook (a default hook) must not step the configs after validation."""
    kwargs = toy_kwargs(
        param_scheduler=schedulers,
        test_dataloader=toy_kwargs()["val_dataloader"],
        test_evaluator=dict(type="ToyMSE"),
        test_cfg=dict(),
    )
    runner = Runner(**kwargs)
    assert runner.val()["mse"] > 0
    assert runner.test()["mse"] > 0
    assert runner.param_schedulers == schedulers


def test_validation_losses_reported_beside_metrics(toy_kwargs):
    runner = Runner(**toy_kwargs(model=dict(type="ToyRegressor", report_val_loss=True)))
    metrics = runner.val()
    # two batches of 4: the mean of the per-batch MSEs equals the metric's MSE here
    assert metrics["loss_mse"] == pytest.approx(metrics["mse"], rel=1e-5)
    assert metrics["val_loss"] == metrics["loss_mse"]


def test_auto_scale_lr(toy_kwargs):
    runner = Runner(**toy_kwargs(auto_scale_lr=dict(enable=True, base_batch_size=16),
                                 train_cfg=dict(by_epoch=True, max_epochs=0)))  # fmt: skip
    runner.train()
    # batch 4 on one process against a base of 16: a quarter of the lr
    assert runner.optim_wrapper.param_groups[0]["lr"] == pytest.approx(0.01 / 4)


def test_auto_scale_lr_with_a_batch_sampler(toy_kwargs):
    """mmdet's shape: the batches come from a batch sampler (AspectRatioBatchSampler)."""
    loader = dict(toy_kwargs()["train_dataloader"], batch_sampler=dict(type="GroupedBatches"))
    runner = Runner(**toy_kwargs(auto_scale_lr=dict(enable=True, base_batch_size=2),
                                 train_dataloader=loader,
                                 train_cfg=dict(by_epoch=True, max_epochs=0)))  # fmt: skip
    runner.train()
    assert runner.train_dataloader.batch_size is None  # the batch sampler's is 4
    assert runner.optim_wrapper.param_groups[0]["lr"] == pytest.approx(0.01 * 2)


def test_optim_wrapper_given_a_built_optimizer_steps_the_models_own_parameters(toy_kwargs):
    import toy_train

    model = toy_train.ToyRegressor()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    runner = Runner(**toy_kwargs(model=model, optim_wrapper=dict(optimizer=optimizer)))
    before = model.linear.weight.detach().clone()
    runner.train()
    assert runner.optim_wrapper.optimizer is optimizer
    assert not torch.equal(model.linear.weight, before)


def test_seeded_runs_are_identical(toy_kwargs, tmp_path):
    finals = []
    for name in ("a", "b"):
        runner = Runner(**toy_kwargs(work_dir=str(tmp_path / name)))
        runner.train()
        finals.append(runner.model.linear.weight.detach().clone())
    assert torch.equal(finals[0], finals[1])


@pytest.mark.parametrize("by_epoch", [True, False])
def test_a_scheduler_without_end_ends_with_training(toy_kwargs, by_epoch):
    """As in MMEngine: ``end`` defaults to max_epochs (max_iters when the scheduler counts
    iterations), so a cosine schedule without T_max spans the whole run."""
    schedulers = [
        dict(type="CosineAnnealingLR", by_epoch=by_epoch, eta_min=0.0),
        dict(type="ConstantLR", factor=0.5, by_epoch=by_epoch, end=1),  # an explicit end stays
        dict(type="LinearLR", start_factor=0.1, by_epoch=True, convert_to_iter_based=True),
    ]
    runner = Runner(**toy_kwargs(max_epochs=3, by_epoch=by_epoch, param_scheduler=schedulers))
    runner.train()
    cosine, constant, linear = runner.param_schedulers
    expected_end = 3 if by_epoch else runner.max_iters
    assert (cosine.end, cosine.T_max) == (expected_end, expected_end)
    assert constant.end == 1
    # an epoch-counting scheduler ends with training in an iteration-based loop too
    assert (linear.by_epoch, linear.end) == (False, runner.max_iters)


def test_val_alone_with_a_global_window_statistic(toy_kwargs):
    """A 'global' window counts the iterations trained; a runner with no train loop at all
    (val() of a checkpoint) takes every value instead of failing on runner.iter."""
    statistic = dict(data_src="time", method_name="max", window_size="global", log_name="t_max")
    kwargs = toy_kwargs(log_processor=dict(custom_cfg=[statistic]), log_level="INFO")
    for key in ("train_dataloader", "train_cfg", "optim_wrapper"):
        kwargs[key] = None
    runner = Runner(**kwargs)
    metrics = runner.val()
    assert "mse" in metrics
    log = Path(runner.logger.log_file).read_text()
    assert re.search(r"Epoch\(val\) \[0\]\[2/2\].*t_max: \d", log)


def test_a_dict_of_optimizer_wrapper_objects_steps_the_model_itself(toy_kwargs):
    """MMEngine's way to give several optimizers as objects: the OptimWrapperDict holds
    those wrappers, whose optimizers hold the model's own parameters (not copies)."""
    import toy_train

    from treadle.optim import OptimWrapper, OptimWrapperDict

    model = toy_train.ToyRegressor()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    runner = Runner(**toy_kwargs(model=model))
    built = runner.build_optim_wrapper(dict(main=wrapper))
    assert isinstance(built, OptimWrapperDict) and built["main"] is wrapper
    stepped = built["main"].optimizer.param_groups[0]["params"][0]
    assert any(stepped is p for p in model.parameters())
    # a config beside it would get every parameter of the model: refused, as in MMEngine
    with pytest.raises(ValueError, match=r"\['other'\] are configs in a dict of several"):
        runner.build_optim_wrapper(dict(main=wrapper, other=dict(optimizer=dict(type="SGD"))))


def test_dataloader_config_keys_of_mmengine(toy_kwargs):
    """num_batch_per_epoch shortens the epoch; a worker_init_fn config binds only its own
    arguments (its type a name or a function); disable_subprocess_warning reaches the default
    worker_init_fn."""
    import functools

    def seed_workers(worker_id: int, base: int) -> None:
        torch.manual_seed(base + worker_id)

    loader = dict(toy_kwargs()["train_dataloader"], num_batch_per_epoch=3)
    built = Runner.build_dataloader(loader, seed=1)
    assert len(built) == 3 and len(built.dataset) == 12
    assert built.dataset.metainfo == built.dataset._dataset.metainfo  # the dataset's own
    import pickle

    shortened = pickle.loads(pickle.dumps(built.dataset))  # what a spawned worker gets
    assert len(shortened) == 12
    assert torch.equal(shortened[-1]["inputs"], built.dataset._dataset[11]["inputs"])
    for kind in ("treadle_test_seed_workers", seed_workers):
        if isinstance(kind, str):
            from treadle.registry import FUNCTIONS

            FUNCTIONS.register_module(name=kind, module=seed_workers, force=True)
        cfg = dict(toy_kwargs()["train_dataloader"], worker_init_fn=dict(type=kind, base=3))
        init_fn = Runner.build_dataloader(cfg, seed=1).worker_init_fn
        assert isinstance(init_fn, functools.partial) and init_fn.keywords == {"base": 3}
        init_fn(0)  # a user function without the default's num_workers/rank/seed
    cfg = dict(toy_kwargs()["train_dataloader"], disable_subprocess_warning=True)
    assert Runner.build_dataloader(cfg, seed=1).worker_init_fn.keywords[
        "disable_subprocess_warning"
    ]


def test_an_iteration_loop_reshuffles_each_pass_through_a_batch_sampler(toy_kwargs):
    from treadle.runner.loops import _InfiniteDataloaderIterator

    cfg = dict(toy_kwargs()["train_dataloader"], batch_sampler=dict(type="GroupedBatches"))
    loader = Runner.build_dataloader(cfg, seed=1)  # 32 samples, batches of 4
    batches = _InfiniteDataloaderIterator(loader)
    first, second = ([next(batches)["inputs"][:, 0] for _ in range(8)] for _ in range(2))
    assert not all(torch.equal(a, b) for a, b in zip(first, second, strict=True))


def test_constructor_details_of_mmengine(toy_kwargs):
    """The config is the runner's own copy; default_scope=None means none; schedulers need an
    optimizer; the log file is appended to; the environment block names env_cfg."""
    from treadle.config import Config

    cfg = Config(dict(note="before"))
    runner = Runner(**toy_kwargs(cfg=cfg, default_scope=None, log_level="INFO",
                                 env_cfg=dict(cudnn_benchmark=False)))  # fmt: skip
    cfg.note = "after"
    assert runner.cfg.note == "before" and runner.default_scope is None
    assert {h.mode for h in runner.logger.handlers if hasattr(h, "mode")} == {"a"}
    (log,) = Path(runner.log_dir).glob("*.log")
    assert "env_cfg: {'cudnn_benchmark': False}" in log.read_text()
    kwargs = toy_kwargs(param_scheduler=[dict(type="MultiStepLR", milestones=[1])])
    kwargs.update(optim_wrapper=None, train_dataloader=None, train_cfg=None)
    with pytest.raises(ValueError, match="param_scheduler is given but optim_wrapper is not"):
        Runner(**kwargs)
    unseeded = Runner.build_dataloader(toy_kwargs()["val_dataloader"])  # a tool's own call
    assert unseeded.generator is None  # worker seeds from the global RNG, as in MMEngine
