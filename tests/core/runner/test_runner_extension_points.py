"""MMEngine's extension points on the Runner: the build_*/setup_env/wrap_model methods a
custom runner overrides, the read-only properties hooks use, and the names
``mmengine.runner`` exports."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import ClassVar

import pytest
import torch
from support.servers import free_port
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from treadle.hooks import CheckpointHook, EarlyStoppingHook
from treadle.logging import LogProcessor, MessageHub
from treadle.registry import RUNNERS
from treadle.runner import EpochBasedTrainLoop, Runner
from treadle.visualization import Visualizer


class RecordingRunner(Runner):
    """Notes which set-up methods the constructor calls, in order."""

    def __init__(self, *args, **kwargs):
        self.calls = []
        super().__init__(*args, **kwargs)

    def setup_env(self, env_cfg):
        self.calls.append(("setup_env", env_cfg))
        super().setup_env(env_cfg)

    def build_message_hub(self, message_hub=None):
        self.calls.append(("build_message_hub", message_hub))
        return super().build_message_hub(dict(name=f"{self._experiment_name}-hub"))

    def build_visualizer(self, visualizer=None):
        self.calls.append(("build_visualizer", visualizer))
        return super().build_visualizer(visualizer)

    def build_log_processor(self, log_processor):
        self.calls.append(("build_log_processor", log_processor))
        return LogProcessor(window_size=3)

    def build_model(self, model):
        self.calls.append(("build_model", dict(model)))
        built = super().build_model(model)
        built.built_by_override = True
        return built

    def wrap_model(self, model_wrapper_cfg, model):
        self.calls.append(("wrap_model", model_wrapper_cfg))
        return super().wrap_model(model_wrapper_cfg, model)


def test_a_custom_runner_overrides_every_set_up_step(toy_kwargs):
    runner = RecordingRunner(**toy_kwargs(env_cfg=dict(cudnn_benchmark=False)))
    names = [name for name, _ in runner.calls]
    assert names == [
        "setup_env",
        "build_message_hub",
        "build_visualizer",
        "build_log_processor",
        "build_model",
        "wrap_model",
    ]
    assert runner.calls[0][1] == dict(cudnn_benchmark=False)
    assert runner.message_hub is MessageHub.get_instance(f"{runner.experiment_name}-hub")
    assert runner.log_processor.window_size == 3
    assert runner.model.built_by_override
    assert runner.calls[4][1]["type"] == "ToyRegressor"
    runner.train()  # what the overrides returned is what the run uses
    assert runner.iter == 16


def test_setup_env_replaced_by_a_no_op_as_in_the_guide(toy_kwargs):
    @RUNNERS.register_module(force=True)
    class QuietEnvRunner(Runner):
        def setup_env(self, env_cfg):
            self.env_seen = env_cfg

    runner = QuietEnvRunner(**toy_kwargs(max_epochs=1))
    assert runner.env_seen == {}
    assert (runner.distributed, runner.rank, runner.world_size) == (False, 0, 1)
    runner.train()
    assert runner.epoch == 1


def test_data_preprocessor_fills_the_model_config_only_when_it_has_none(toy_kwargs):
    runner = Runner(**toy_kwargs(data_preprocessor=dict(type="BaseDataPreprocessor")))
    assert type(runner.model.data_preprocessor).__name__ == "BaseDataPreprocessor"
    own = dict(type="ToyRegressor", data_preprocessor=dict(type="ImgDataPreprocessor"))
    runner = Runner(**toy_kwargs(model=own, data_preprocessor=dict(type="BaseDataPreprocessor")))
    assert type(runner.model.data_preprocessor).__name__ == "ImgDataPreprocessor"
    assert "data_preprocessor" in own  # the caller's dict is not changed


def test_build_message_hub_takes_get_instance_arguments(toy_kwargs):
    runner = Runner(**toy_kwargs(experiment_name="hub-args"))
    assert runner.message_hub is MessageHub.get_instance(f"hub-args_{runner.timestamp}")
    other = runner.build_message_hub(dict(name="hub-args-other"))
    assert other is MessageHub.get_instance("hub-args-other") and other is not runner.message_hub
    with pytest.raises(TypeError, match=r"message_hub must be a dict.*got str"):
        runner.build_message_hub("hub")


def test_build_visualizer_names_the_instance_after_the_experiment(toy_kwargs):
    runner = Runner(**toy_kwargs(experiment_name="vis-name"))
    assert runner.visualizer is Visualizer.get_instance(f"vis-name_{runner.timestamp}")
    assert runner.build_visualizer() is runner.visualizer  # an existing instance is reused


def test_model_name_is_the_unwrapped_class(toy_kwargs):
    runner = Runner(**toy_kwargs())
    assert runner.model_name == "ToyRegressor"


def test_evaluators_and_val_schedule_come_from_the_loops(toy_kwargs):
    train_cfg = dict(by_epoch=True, max_epochs=4, val_begin=2, val_interval=2)
    runner = Runner(**toy_kwargs(train_cfg=train_cfg, test_dataloader=toy_kwargs()
                                 ["val_dataloader"], test_cfg=dict(),
                                 test_evaluator=dict(type="ToyMSE")))  # fmt: skip
    assert (runner.val_begin, runner.val_interval) == (2, 2)
    assert runner.val_evaluator is runner.val_loop.evaluator
    assert runner.test_evaluator is runner.test_loop.evaluator
    assert runner.val_evaluator is not runner.test_evaluator


def test_evaluator_of_a_missing_loop_names_the_parts(toy_kwargs):
    runner = Runner(**toy_kwargs())
    with pytest.raises(AttributeError, match=r"no test loop.*test_dataloader, test_cfg"):
        runner.test_evaluator  # noqa: B018
    assert not hasattr(runner, "test_evaluator")


def test_run_iter_takes_idx_as_in_mmengine(toy_kwargs):
    seen = []

    class CountingLoop(EpochBasedTrainLoop):
        def run_iter(self, idx, data_batch):
            seen.append(idx)
            super().run_iter(idx=idx, data_batch=data_batch)

    train_cfg = dict(type=CountingLoop, max_epochs=1)
    runner = Runner(**toy_kwargs(train_cfg=train_cfg, experiment_name="run-iter"))
    runner.train()
    assert seen == list(range(8)) and runner.iter == 8


class ClosestToZeroCheckpointHook(CheckpointHook):
    rule_map: ClassVar = {**CheckpointHook.rule_map, "closer": lambda x, y: abs(x) < abs(y)}
    init_value_map: ClassVar = {**CheckpointHook.init_value_map, "closer": float("inf")}


def test_a_checkpoint_hook_subclass_adds_a_rule(toy_kwargs, tmp_path):
    hook = ClosestToZeroCheckpointHook(interval=1, save_best="mse", rule="closer")
    runner = Runner(**toy_kwargs(max_epochs=2, default_hooks=dict(checkpoint=hook)))
    runner.train()
    best = runner.message_hub.get_info("best_score")
    assert best is not None and runner.message_hub.get_info("best_ckpt").endswith(".pth")
    with pytest.raises(ValueError, match=r"one of \['closer', 'greater', 'less'\]"):
        ClosestToZeroCheckpointHook(save_best="mse", rule="nearest")
    with pytest.raises(ValueError, match=r"one of \['greater', 'less'\]"):
        CheckpointHook(save_best="mse", rule="closer")  # the base class is unchanged


def test_an_early_stopping_subclass_adds_a_rule():
    class Stopper(EarlyStoppingHook):
        rule_map: ClassVar = {**EarlyStoppingHook.rule_map, "closer": lambda x, y: abs(x) < abs(y)}

    stopper = Stopper(monitor="bias", rule="closer", patience=1, min_delta=0.1)
    assert not stopper._check_stop_condition(0.5)[0]
    assert not stopper._check_stop_condition(0.3)[0]  # closer to zero by more than 0.1
    stop, reason = stopper._check_stop_condition(0.25)  # closer, but by less than 0.1
    assert stop and "bias did not improve" in reason
    with pytest.raises(ValueError, match=r"one of \['greater', 'less'\]"):
        EarlyStoppingHook(monitor="bias", rule="closer")


def test_mmengine_runner_exports(tmp_path):
    import treadle.runner as runner_pkg
    from treadle.hooks import priority
    from treadle.runner import checkpoint

    names = ("CheckpointLoader", "find_latest_checkpoint", "get_state_dict", "load_checkpoint",
             "load_state_dict", "save_checkpoint", "weights_to_cpu")  # fmt: skip
    for name in names:
        assert getattr(runner_pkg, name) is getattr(checkpoint, name)
    assert runner_pkg.get_priority is priority.get_priority
    assert runner_pkg.Priority is priority.Priority
    assert runner_pkg.LogProcessor is LogProcessor
    model = nn.Linear(2, 1)
    runner_pkg.save_checkpoint(dict(state_dict=model.state_dict()), tmp_path / "w.pth")
    other = nn.Linear(2, 1)
    runner_pkg.load_checkpoint(other, str(tmp_path / "w.pth"))
    assert torch.equal(other.weight, model.weight)
    (tmp_path / "last_checkpoint").write_text("/x/epoch_1.pth")
    assert runner_pkg.find_latest_checkpoint(path=tmp_path) == "/x/epoch_1.pth"


def test_autocast_picks_the_device_and_its_default_dtype():
    from treadle.runner import autocast

    on_cuda = torch.cuda.is_available()  # no device_type: CUDA's float16, else CPU's bfloat16
    layer = nn.Linear(4, 4).to("cuda" if on_cuda else "cpu")
    x = torch.randn(2, 4, device=layer.weight.device)
    with autocast():
        assert layer(x).dtype == (torch.float16 if on_cuda else torch.bfloat16)
    with autocast(enabled=False):
        assert layer(x).dtype == torch.float32
    cpu_layer, cpu_x = layer.cpu(), x.cpu()
    with autocast(device_type="cpu", dtype=torch.bfloat16, cache_enabled=False):
        assert cpu_layer(cpu_x).dtype == torch.bfloat16
    assert cpu_layer(cpu_x).dtype == torch.float32  # the context is left


def test_autocast_refuses_an_unknown_device_unless_disabled():
    from treadle.runner import autocast

    with autocast(device_type="tpu", enabled=False):
        assert nn.Linear(2, 2)(torch.randn(1, 2)).dtype == torch.float32
    with pytest.raises(ValueError, match=r"device_type='tpu'.*'cuda' or 'cpu'"), autocast("tpu"):
        pass


@pytest.fixture
def one_rank_group():
    """A real one-process gloo group, destroyed afterwards."""
    import torch.distributed as dist

    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{free_port()}", rank=0, world_size=1
    )
    yield
    dist.destroy_process_group()


def test_distributed_wrap_keeps_mmengine_buffer_default_without_torch_warning(
    toy_kwargs, one_rank_group
):
    import warnings

    runner = Runner(**toy_kwargs())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ddp = runner.wrap_model(None, nn.Linear(2, 1))
    assert type(ddp).__name__ == "MMDistributedDataParallel"
    assert ddp.broadcast_buffers is False  # MMEngine's default, set by the runner
    assert not [w for w in caught if "broadcast_buffers" in str(w.message)]
    assert ddp.find_unused_parameters is False
    chosen = dict(type="MMDistributedDataParallel", broadcast_buffers=False)
    with warnings.catch_warnings(record=True) as from_torch:
        warnings.simplefilter("always")
        DistributedDataParallel(nn.Linear(2, 1), broadcast_buffers=False)
    with warnings.catch_warnings(record=True) as from_runner:
        warnings.simplefilter("always")
        assert runner.wrap_model(chosen, nn.Linear(2, 1)).broadcast_buffers is False

    def about_buffers(caught: list) -> list[str]:
        return [str(w.message) for w in caught if "broadcast_buffers" in str(w.message)]

    # the user's explicit choice is not silenced: torch's own warning, where it has one, passes
    assert about_buffers(from_runner) == about_buffers(from_torch)
    # a wrapper config is built as given: DDP's own defaults, as MMEngine does
    given = runner.wrap_model(dict(find_unused_parameters=True), nn.Linear(2, 1))
    assert type(given).__name__ == "MMDistributedDataParallel"
    assert (given.broadcast_buffers, given.find_unused_parameters) == (True, True)


def test_top_level_find_unused_parameters_reaches_ddp(toy_kwargs, one_rank_group, monkeypatch):
    from treadle.config import Config

    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # set: the run changes no variable
        monkeypatch.setenv(name, "1")

    kwargs = toy_kwargs(launcher="pytorch")
    runner = Runner(**kwargs, cfg=Config(dict(find_unused_parameters=True)))
    assert runner.distributed
    assert runner.model.find_unused_parameters is True
    assert runner.model.broadcast_buffers is False


def bn_net() -> nn.Module:
    return nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Sequential(nn.BatchNorm1d(4)))


def test_sync_bn_in_a_distributed_run(toy_kwargs, one_rank_group, monkeypatch):
    """sync_bn='torch' converts every BatchNorm (tests/gpu/check_runner_cuda.py trains with
    it on CUDA); torch's SyncBatchNorm refuses CPU modules, which gets a clear error here."""
    from treadle.config import Config

    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(name, "1")
    runner = Runner(**toy_kwargs(launcher="pytorch"), cfg=Config(dict(sync_bn="torch")))
    if torch.cuda.is_available():
        net = bn_net()
        net[1].running_mean.fill_(3.0)
        wrapped = runner.wrap_model(None, net)
        synced = [m for m in wrapped.module.modules() if isinstance(m, nn.SyncBatchNorm)]
        assert len(synced) == 2
        assert torch.equal(synced[0].running_mean.cpu(), torch.full((4,), 3.0))  # state kept
    else:
        with pytest.raises(ValueError, match="sync_bn='torch' needs CUDA"):
            runner.wrap_model(None, bn_net())
    runner.cfg.sync_bn = "mmcv"
    with pytest.raises(ValueError, match="sync_bn='mmcv': use 'torch'"):
        runner.wrap_model(None, bn_net())
    runner.cfg.sync_bn = None  # without it, BatchNorm stays
    wrapped = runner.wrap_model(None, bn_net())
    assert not any(isinstance(m, nn.SyncBatchNorm) for m in wrapped.modules())


def test_a_single_process_turns_syncbatchnorm_back_into_batchnorm(toy_kwargs):
    from pathlib import Path

    runner = Runner(**toy_kwargs(log_level="INFO"))
    reverted = runner.wrap_model(None, nn.SyncBatchNorm.convert_sync_batchnorm(bn_net()))
    assert not any(isinstance(m, nn.SyncBatchNorm) for m in reverted.modules())
    assert sum(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in reverted.modules()) == 2
    (log,) = Path(runner.work_dir).glob("*/*.log")
    assert "SyncBatchNorm layers become BatchNorm: this run is not distributed" in log.read_text()


def test_env_cfg_mp_cfg_goes_through_set_multi_processing(toy_kwargs, monkeypatch):
    import multiprocessing

    previous = multiprocessing.get_start_method(allow_none=True)
    multiprocessing.set_start_method("fork", force=True)
    try:
        with pytest.warns(UserWarning, match="replacing the multiprocessing start method 'fork'"):
            Runner(**toy_kwargs(env_cfg=dict(mp_cfg=dict(mp_start_method="spawn"))))
        assert multiprocessing.get_start_method() == "spawn"
        with pytest.warns(UserWarning, match="start method 'spawn' with 'fork'"):
            Runner(**toy_kwargs())  # no mp_cfg: MMEngine's default, fork, is forced
        assert multiprocessing.get_start_method() == "fork"
    finally:
        multiprocessing.set_start_method(previous, force=True)
    with pytest.raises(TypeError, match=r"env_cfg.mp_cfg has unknown keys \['workers'\]"):
        Runner(**toy_kwargs(env_cfg=dict(mp_cfg=dict(workers=2))))


def test_a_launched_rank_gets_one_thread_per_pool_unless_told(
    toy_kwargs, one_rank_group, monkeypatch
):
    monkeypatch.setenv("MKL_NUM_THREADS", "8")  # recorded, so the run's value is undone
    monkeypatch.delenv("MKL_NUM_THREADS")
    monkeypatch.setenv("OMP_NUM_THREADS", "2")  # the user's choice stays
    with pytest.warns(UserWarning, match="MKL_NUM_THREADS is unset"):
        Runner(**toy_kwargs(launcher="pytorch"))
    assert os.environ["MKL_NUM_THREADS"] == "1" and os.environ["OMP_NUM_THREADS"] == "2"


def test_env_cfg_resource_limit_raises_the_open_files_limit(python, tmp_path):
    """In a child process: its soft limit is lowered first, then a runner is built."""
    out = python(
        "import json, resource, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parents[2] / 'fixtures' / 'toy_runner')!r})\n"
        "import toy_train\n"
        "from treadle.runner import Runner\n"
        "from treadle.runner.env import raise_open_files_limit\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))\n"
        "seen = []\n"
        "for limit in (None, 300, 100):\n"
        "    env_cfg = {} if limit is None else dict(resource_limit=limit)\n"
        f"    Runner(model=dict(type='ToyRegressor'), work_dir={str(tmp_path)!r},\n"
        "           env_cfg=env_cfg, log_level='WARNING')\n"
        "    seen.append(resource.getrlimit(resource.RLIMIT_NOFILE)[0])\n"
        "    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))\n"
        "raise_open_files_limit(10**9)  # past the hard limit: up to it, no error\n"
        "seen.append(resource.getrlimit(resource.RLIMIT_NOFILE)[0] == hard)\n"
        "print(json.dumps([seen, hard]))"
    ).stdout
    seen, hard = json.loads(out.strip().splitlines()[-1])
    assert seen == [min(4096, hard), min(300, hard), 256, True]  # MMEngine's default: 4096


def test_init_weights_ends_with_the_same_weights_on_every_rank(tmp_path, launch_ranks):
    import sys

    worker = Path(__file__).with_name("init_broadcast_worker.py")
    launch_ranks([sys.executable, str(worker), str(tmp_path)])
    # the ranks drew differently (diff_rank_seed), yet hold rank 0's weights
    assert (tmp_path / "result.txt").read_text() == "True True"
