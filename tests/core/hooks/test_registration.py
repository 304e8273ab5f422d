import json
import subprocess
import sys

from treadle.evaluator import BaseMetric, Evaluator
from treadle.hooks import Hook, HookDispatcher
from treadle.registry import HOOKS, METRICS

BUILTIN = [
    ("RuntimeInfoHook", 10),
    ("IterTimerHook", 50),
    ("DistSamplerSeedHook", 50),
    ("LoggerHook", 60),
    ("ParamSchedulerHook", 70),
    ("CheckpointHook", 90),
    ("EMAHook", 50),
    ("EmptyCacheHook", 50),
    ("SyncBuffersHook", 50),
    ("EarlyStoppingHook", 100),
    ("ProfilerHook", 90),
]


def test_builtin_hooks_resolve_lazily_without_importing_torch_at_registry_import():
    code = """
import json, sys
import treadle.registry
from treadle.registry import HOOKS
torch_after_registry = 'torch' in sys.modules
from treadle.hooks import get_priority
found = {}
for name in %r:
    cls = HOOKS.get(name)
    found[name] = [cls.__module__, get_priority(cls.priority)]
print(json.dumps([torch_after_registry, found]))
""" % [name for name, _ in BUILTIN]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    torch_loaded, found = json.loads(out)
    assert torch_loaded is False
    for name, priority in BUILTIN:
        module, value = found[name]
        assert module.startswith("treadle.hooks.") and value == priority, name


def test_configs_build_default_hooks_as_mmengine_configs_write_them():
    default_hooks = dict(
        runtime_info=dict(type="RuntimeInfoHook"),
        timer=dict(type="IterTimerHook"),
        sampler_seed=dict(type="DistSamplerSeedHook"),
        logger=dict(type="LoggerHook", interval=50),
        param_scheduler=dict(type="ParamSchedulerHook"),
        checkpoint=dict(type="CheckpointHook", interval=1, save_best="auto", max_keep_ckpts=3),
    )
    dispatcher = HookDispatcher()
    hooks = [dispatcher.register(cfg) for cfg in default_hooks.values()]
    ema_cfg = dict(type="EMAHook", momentum=0.001, priority=49)
    ema = dispatcher.register(ema_cfg)
    assert ema.priority == 49 and ema.ema_cfg == dict(
        type="ExponentialMovingAverage", momentum=0.001
    )
    assert ema_cfg["priority"] == 49  # the caller's config is left as it was
    late = dispatcher.register(dict(type="EmptyCacheHook", priority="LOWEST"), priority="HIGHEST")
    assert late.priority == "HIGHEST"  # the argument wins over the config, as in MMEngine
    order = [type(h).__name__ for h in dispatcher.hooks]
    assert order == [
        "EmptyCacheHook",
        "RuntimeInfoHook",
        "EMAHook",
        "IterTimerHook",
        "DistSamplerSeedHook",
        "LoggerHook",
        "ParamSchedulerHook",
        "CheckpointHook",
    ]
    assert hooks[3].interval == 50 and hooks[5].max_keep_ckpts == 3


def test_the_third_party_hook_and_metric_are_real_treadle_components():
    slack = HOOKS.build(dict(type="acme.SlackHook", channel="#ml", every=2))
    assert isinstance(slack, Hook) and slack.get_triggered_stages() == ["after_train_iter"]
    dispatcher = HookDispatcher([slack])
    for idx in range(4):
        dispatcher.call("after_train_iter", None, batch_idx=idx)
        dispatcher.call("after_val_iter", None, batch_idx=idx)  # not overridden: not called
    assert slack.messages == ["#ml: iteration 2 done", "#ml: iteration 4 done"]

    metric = METRICS.build(dict(type="acme.SampleCount"))
    assert isinstance(metric, BaseMetric) and metric.prefix == "acme"
    evaluator = Evaluator(metric)
    evaluator.process([{"a": 1}] * 3, None)
    evaluator.process([{"a": 1}] * 2, None)
    assert evaluator.evaluate(5) == {"acme/samples": 5}
