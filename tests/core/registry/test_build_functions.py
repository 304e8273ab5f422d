"""MMEngine's registry build functions, as build_func of registries and of the root ones."""

from __future__ import annotations

import pytest
import torch

from treadle.config import Config
from treadle.model import BaseModel, Sequential
from treadle.optim import OptimWrapper
from treadle.registry import (
    MODELS,
    PARAM_SCHEDULERS,
    RUNNERS,
    DefaultScope,
    Registry,
    build_model_from_cfg,
    build_runner_from_cfg,
    build_scheduler_from_cfg,
)
from treadle.runner import Runner


@pytest.fixture
def forget_default_scopes():
    """A runner makes its default scope current for the rest of the process; undo that."""
    before = dict(DefaultScope._instance_dict)
    yield
    DefaultScope._instance_dict.clear()
    DefaultScope._instance_dict.update(before)


class Tiny(BaseModel):
    def __init__(self, width: int = 2) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(width, 1)

    def forward(self, inputs, data_samples=None, mode="tensor"):
        return self.fc(inputs)


def test_root_registries_use_mmengines_build_functions():
    assert MODELS.build_func is build_model_from_cfg
    assert RUNNERS.build_func is build_runner_from_cfg
    assert PARAM_SCHEDULERS.build_func is build_scheduler_from_cfg
    assert MODELS.child("buildfunc_child").build_func is build_model_from_cfg  # inherited


def test_model_list_becomes_sequential_with_default_args():
    layers = Registry("layer", build_func=build_model_from_cfg, scope="layers_test")
    layers.register_module(module=torch.nn.Linear)
    model = layers.build(
        [dict(type="Linear", in_features=3), dict(type="Linear", in_features=4)],
        default_args=dict(out_features=4),
    )
    assert type(model) is Sequential and len(model) == 2
    assert [(m.in_features, m.out_features) for m in model] == [(3, 4), (4, 4)]
    assert model(torch.ones(2, 3)).shape == (2, 4)
    single = layers.build(dict(type="Linear", in_features=2, out_features=5))
    assert type(single) is torch.nn.Linear and single.out_features == 5
    assert len(layers.build([])) == 0
    with pytest.raises(TypeError, match="cfg must be a dict-like mapping, got str"):
        layers.build(["Linear"])


def test_runner_from_whole_config(tmp_path, forget_default_scopes):
    runner = RUNNERS.build(
        Config(dict(model=dict(type=Tiny, width=3), work_dir=str(tmp_path), log_level="WARNING"))
    )
    assert type(runner) is Runner and type(runner.model) is Tiny
    assert runner.model.fc.in_features == 3


def test_runner_type_and_scope_pick_the_class(tmp_path, forget_default_scopes):
    root = Registry("runner", build_func=build_runner_from_cfg, scope="runner_root")
    child = Registry("runner", parent=root, scope="runner_child")

    @root.register_module(name="Runner")
    class RootRunner(Runner):
        pass

    @child.register_module(name="Runner")
    class ChildRunner(Runner):
        pass

    cfg = dict(model=dict(type=Tiny), work_dir=str(tmp_path), log_level="WARNING")
    assert type(root.build(cfg)) is RootRunner
    assert type(root.build({**cfg, "_scope_": "runner_child"})) is ChildRunner
    assert type(root.build({**cfg, "runner_type": ChildRunner})) is ChildRunner
    with pytest.raises(KeyError, match="'MissingRunner' is not registered in registry 'runner'"):
        root.build({**cfg, "runner_type": "MissingRunner"})
    with pytest.raises(TypeError, match="must be a registered name or a class, got int"):
        root.build({**cfg, "runner_type": 3})
    root.register_module(name="NotARunner", module=dict)
    with pytest.raises(TypeError, match="has no from_cfg classmethod"):
        root.build({**cfg, "runner_type": "NotARunner"})
    with pytest.raises(TypeError, match="needs a dict-like cfg, got list"):
        build_runner_from_cfg([cfg], root)
    with pytest.raises(TypeError, match="needs a treadle Registry as registry, got dict"):
        build_runner_from_cfg(cfg, {})


def test_scheduler_converted_to_iterations_through_a_child_registry():
    schedulers = Registry("scheduler", parent=PARAM_SCHEDULERS, scope="sched_child")
    assert schedulers.build_func is build_scheduler_from_cfg
    model = torch.nn.Linear(2, 1)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=1.0))
    scheduler = schedulers.build(
        dict(type="StepLR", step_size=2, gamma=0.5, convert_to_iter_based=True),
        default_args=dict(optimizer=wrapper, epoch_length=5),
    )
    assert scheduler.step_size == 10 and scheduler.by_epoch is False
    plain = schedulers.build(
        dict(type="StepLR", step_size=2, gamma=0.5),
        default_args=dict(optimizer=wrapper, epoch_length=5),
    )
    assert plain.step_size == 2 and plain.by_epoch is True
    with pytest.raises(ValueError, match="needs epoch_length"):
        schedulers.build(
            dict(type="StepLR", step_size=2, convert_to_iter_based=True),
            default_args=dict(optimizer=wrapper),
        )
    with pytest.raises(TypeError, match="needs a dict-like cfg, got str"):
        build_scheduler_from_cfg("StepLR", schedulers)
