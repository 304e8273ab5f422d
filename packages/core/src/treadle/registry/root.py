"""The root registries (scope ``core``), one per kind of component MMEngine has.

Plugins hang children under these (``MODELS.child('vision')``) or register into
them directly. Core modules that will register here are added as ``locations``
by the modules that define them, as they land.
"""

from __future__ import annotations

from treadle.registry.registry import Registry

ROOT_SCOPE = "core"


def _root(name: str) -> Registry:
    return Registry(name, scope=ROOT_SCOPE)


RUNNERS = _root("runner")
RUNNER_CONSTRUCTORS = _root("runner constructor")
LOOPS = _root("loop")
HOOKS = _root("hook")
STRATEGIES = _root("strategy")
DATASETS = _root("dataset")
DATA_SAMPLERS = _root("data sampler")
TRANSFORMS = _root("transform")
MODELS = _root("model")
MODEL_WRAPPERS = _root("model_wrapper")
WEIGHT_INITIALIZERS = _root("weight initializer")
OPTIMIZERS = _root("optimizer")
OPTIM_WRAPPERS = _root("optim_wrapper")
OPTIM_WRAPPER_CONSTRUCTORS = _root("optimizer wrapper constructor")
PARAM_SCHEDULERS = _root("parameter scheduler")
METRICS = _root("metric")
EVALUATOR = _root("evaluator")
TASK_UTILS = _root("task util")
VISUALIZERS = _root("visualizer")
VISBACKENDS = _root("vis_backend")
LOG_PROCESSORS = _root("log_processor")
INFERENCERS = _root("inferencer")
FUNCTIONS = _root("function")

#: Root registries by the constant name plugins use in their manifests.
ROOT_REGISTRIES: dict[str, Registry] = {
    name: value for name, value in globals().items() if isinstance(value, Registry)
}
