"""The root registries find treadle.optim by themselves, and only when first asked."""

import inspect
import json

import torch

from treadle.registry import (
    OPTIM_WRAPPER_CONSTRUCTORS,
    OPTIM_WRAPPERS,
    OPTIMIZERS,
    PARAM_SCHEDULERS,
)


def test_builds_without_importing_treadle_optim_and_registry_stays_torch_free(python):
    out = python(
        "import sys, json\n"
        "from treadle.registry import OPTIMIZERS, PARAM_SCHEDULERS, OPTIM_WRAPPERS\n"
        "before = [m for m in ('torch', 'treadle.optim') if m in sys.modules]\n"
        "import torch\n"
        "model = torch.nn.Linear(2, 1)\n"
        "opt = OPTIMIZERS.build(dict(type='SGD', params=model.parameters(), lr=0.1))\n"
        "wrapper = OPTIM_WRAPPERS.build(dict(type='OptimWrapper', optimizer=opt))\n"
        "sched = PARAM_SCHEDULERS.build(dict(type='StepLR', step_size=1, gamma=0.5),\n"
        "                               default_args=dict(optimizer=wrapper))\n"
        "sched.step()\n"
        "print(json.dumps([before, type(opt).__name__, wrapper.get_lr()['lr']]))"
    ).stdout
    before, opt_name, lrs = json.loads(out)
    assert before == []
    assert opt_name == "SGD"
    assert lrs == [0.05]


def test_every_torch_optimizer_is_registered():
    expected = {
        name
        for name, obj in vars(torch.optim).items()
        if inspect.isclass(obj)
        and issubclass(obj, torch.optim.Optimizer)
        and obj is not torch.optim.Optimizer
    }
    assert {"SGD", "Adam", "AdamW", "RMSprop", "LBFGS"} <= expected
    for name in expected:
        assert OPTIMIZERS.get(name) is getattr(torch.optim, name)


def test_wrappers_constructor_and_schedulers_are_registered():
    assert OPTIM_WRAPPERS.get("OptimWrapper").__name__ == "OptimWrapper"
    assert OPTIM_WRAPPERS.get("AmpOptimWrapper").__name__ == "AmpOptimWrapper"
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.get("DefaultOptimWrapperConstructor")
    assert constructor.__name__ == "DefaultOptimWrapperConstructor"
    families = ["Constant", "Linear", "Step", "MultiStep", "Exponential", "CosineAnnealing",
                "CosineRestart", "Poly", "ReduceOnPlateau"]  # fmt: skip
    for family in families:
        for suffix in ("LR", "Momentum", "ParamScheduler"):
            assert PARAM_SCHEDULERS.get(family + suffix).__name__ == family + suffix
    assert PARAM_SCHEDULERS.get("OneCycleLR").__name__ == "OneCycleLR"
    assert PARAM_SCHEDULERS.get("OneCycleParamScheduler").__name__ == "OneCycleParamScheduler"


def test_optim_reexports_the_optimizer_registries():
    import treadle.optim

    assert treadle.optim.OPTIMIZERS is OPTIMIZERS
    assert treadle.optim.OPTIM_WRAPPER_CONSTRUCTORS is OPTIM_WRAPPER_CONSTRUCTORS
    assert {"OPTIMIZERS", "OPTIM_WRAPPER_CONSTRUCTORS"} <= set(treadle.optim.__all__)
    assert treadle.optim.OPTIMIZERS.get("AdamW") is torch.optim.AdamW
