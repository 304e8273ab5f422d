"""The root registries (scope ``core``), one per kind of component MMEngine has.

Plugins hang children under these (``MODELS.child('vision')``) or register into
them directly. Core modules that will register here are added as ``locations``
by the modules that define them, as they land.
"""

from __future__ import annotations

from treadle.registry.build_functions import (
    build_model_from_cfg,
    build_runner_from_cfg,
    build_scheduler_from_cfg,
)
from treadle.registry.registry import Registry

TYPE_CHECKING = False  # typing is not imported at runtime: import cost
if TYPE_CHECKING:
    from treadle.registry.registry import BuildFunc

ROOT_SCOPE = "core"


def _root(
    name: str, locations: tuple[str, ...] = (), build_func: BuildFunc | None = None
) -> Registry:
    return Registry(name, build_func=build_func, scope=ROOT_SCOPE, locations=locations)


RUNNERS = _root("runner", locations=("treadle.runner.runner",), build_func=build_runner_from_cfg)
RUNNER_CONSTRUCTORS = _root("runner constructor")
LOOPS = _root("loop", locations=("treadle.runner.loops",))
HOOKS = _root(
    "hook",
    locations=(
        "treadle.hooks.runtime_info_hook",
        "treadle.hooks.iter_timer_hook",
        "treadle.hooks.sampler_seed_hook",
        "treadle.hooks.logger_hook",
        "treadle.hooks.param_scheduler_hook",
        "treadle.hooks.checkpoint_hook",
        "treadle.hooks.ema_hook",
        "treadle.hooks.empty_cache_hook",
        "treadle.hooks.sync_buffer_hook",
        "treadle.hooks.early_stopping_hook",
        "treadle.hooks.profiler_hook",
        "treadle.hooks.test_time_aug_hook",
    ),
)
STRATEGIES = _root("strategy")
DATASETS = _root("dataset", locations=("treadle.dataset.wrappers",))
DATA_SAMPLERS = _root("data sampler", locations=("treadle.dataset.sampler",))
TRANSFORMS = _root("transform", locations=("treadle.dataset.compose",))
MODELS = _root("model", locations=("treadle.model",), build_func=build_model_from_cfg)
MODEL_WRAPPERS = _root("model_wrapper", locations=("treadle.model",))
WEIGHT_INITIALIZERS = _root("weight initializer", locations=("treadle.model",))
OPTIMIZERS = _root("optimizer", locations=("treadle.optim.optimizers",))
OPTIM_WRAPPERS = _root(
    "optim_wrapper", locations=("treadle.optim.optim_wrapper", "treadle.optim.amp_optim_wrapper")
)
OPTIM_WRAPPER_CONSTRUCTORS = _root(
    "optimizer wrapper constructor", locations=("treadle.optim.constructor",)
)
PARAM_SCHEDULERS = _root(
    "parameter scheduler",
    locations=("treadle.optim.scheduler",),
    build_func=build_scheduler_from_cfg,
)
METRICS = _root("metric", locations=("treadle.evaluator.metrics",))
EVALUATOR = _root("evaluator", locations=("treadle.evaluator.evaluator",))
TASK_UTILS = _root("task util")
VISUALIZERS = _root("visualizer", locations=("treadle.visualization.visualizer",))
VISBACKENDS = _root("vis_backend", locations=("treadle.visualization.vis_backend",))
LOG_PROCESSORS = _root("log_processor", locations=("treadle.logging.log_processor",))
INFERENCERS = _root("inferencer")
FUNCTIONS = _root("function", locations=("treadle.dataset.collate",))

#: Root registries by the constant name plugins use in their manifests.
ROOT_REGISTRIES: dict[str, Registry] = {
    name: value for name, value in globals().items() if isinstance(value, Registry)
}
