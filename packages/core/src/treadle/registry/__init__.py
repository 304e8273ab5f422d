"""Registries: scoped name tables that build objects from config dicts (torch-free)."""

from treadle.registry.build import build_from_cfg
from treadle.registry.build_functions import (
    build_model_from_cfg,
    build_runner_from_cfg,
    build_scheduler_from_cfg,
)
from treadle.registry.default_scope import DefaultScope
from treadle.registry.errors import RegistryError, UnknownTypeError
from treadle.registry.registry import Registry
from treadle.registry.root import (
    DATA_SAMPLERS,
    DATASETS,
    EVALUATOR,
    FUNCTIONS,
    HOOKS,
    INFERENCERS,
    LOG_PROCESSORS,
    LOOPS,
    METRICS,
    MODEL_WRAPPERS,
    MODELS,
    OPTIM_WRAPPER_CONSTRUCTORS,
    OPTIM_WRAPPERS,
    OPTIMIZERS,
    PARAM_SCHEDULERS,
    ROOT_REGISTRIES,
    ROOT_SCOPE,
    RUNNER_CONSTRUCTORS,
    RUNNERS,
    STRATEGIES,
    TASK_UTILS,
    TRANSFORMS,
    VISBACKENDS,
    VISUALIZERS,
    WEIGHT_INITIALIZERS,
)
from treadle.registry.utils import init_default_scope
from treadle.utils.lazy import lazy_exports

# names whose modules load on first use (PEP 562)
_LAZY = {
    "count_registered_modules": "treadle.registry.statistics",
    "traverse_registry_tree": "treadle.registry.statistics",
}

__all__ = [
    "DATASETS",
    "DATA_SAMPLERS",
    "EVALUATOR",
    "FUNCTIONS",
    "HOOKS",
    "INFERENCERS",
    "LOG_PROCESSORS",
    "LOOPS",
    "METRICS",
    "MODELS",
    "MODEL_WRAPPERS",
    "OPTIMIZERS",
    "OPTIM_WRAPPERS",
    "OPTIM_WRAPPER_CONSTRUCTORS",
    "PARAM_SCHEDULERS",
    "ROOT_REGISTRIES",
    "ROOT_SCOPE",
    "RUNNERS",
    "RUNNER_CONSTRUCTORS",
    "STRATEGIES",
    "TASK_UTILS",
    "TRANSFORMS",
    "VISBACKENDS",
    "VISUALIZERS",
    "WEIGHT_INITIALIZERS",
    "DefaultScope",
    "Registry",
    "RegistryError",
    "UnknownTypeError",
    "build_from_cfg",
    "build_model_from_cfg",
    "build_runner_from_cfg",
    "build_scheduler_from_cfg",
    "init_default_scope",
    *_LAZY,
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
