"""Treadle: a training framework for PyTorch, MMEngine-compatible, extended by plugins.

The top-level namespace is lazy (PEP 562): ``import treadle`` imports nothing
heavy, and ``treadle.Registry`` or ``from treadle import MODELS`` loads only the
submodule that defines the name.
"""

from __future__ import annotations

import treadle.utils as _utils
from treadle.utils.lazy import by_name, lazy_exports

__version__ = "0.1.0"
version_info = tuple(int(part) for part in __version__.split("."))

# public name -> submodule that defines it
_LAZY_NAMES = by_name(
    {
        "treadle.registry": (
            "Registry",
            "DefaultScope",
            "build_from_cfg",
            "init_default_scope",
            "build_model_from_cfg",
            "build_runner_from_cfg",
            "build_scheduler_from_cfg",
            "count_registered_modules",
            "traverse_registry_tree",
            "ROOT_REGISTRIES",
            "RUNNERS",
            "RUNNER_CONSTRUCTORS",
            "LOOPS",
            "HOOKS",
            "STRATEGIES",
            "DATASETS",
            "DATA_SAMPLERS",
            "TRANSFORMS",
            "MODELS",
            "MODEL_WRAPPERS",
            "WEIGHT_INITIALIZERS",
            "OPTIMIZERS",
            "OPTIM_WRAPPERS",
            "OPTIM_WRAPPER_CONSTRUCTORS",
            "PARAM_SCHEDULERS",
            "METRICS",
            "EVALUATOR",
            "TASK_UTILS",
            "VISUALIZERS",
            "VISBACKENDS",
            "LOG_PROCESSORS",
            "INFERENCERS",
            "FUNCTIONS",
        ),
        # MMEngine re-exports its config, registry, fileio, logging and utils APIs at the top level
        "treadle.config": ("Config", "ConfigDict", "DictAction", "read_base"),
        "treadle.utils": tuple(_utils.__all__),
        "treadle.logging": ("HistoryBuffer", "LogProcessor", "MMLogger", "MessageHub", "print_log"),
        "treadle.fileio": (
            "BaseFileHandler",
            "BaseStorageBackend",
            "JsonHandler",
            "LocalBackend",
            "PickleHandler",
            "YamlHandler",
            "copy_if_symlink_fails",
            "copyfile",
            "copyfile_from_local",
            "copyfile_to_local",
            "copytree",
            "copytree_from_local",
            "copytree_to_local",
            "dict_from_file",
            "dump",
            "exists",
            "generate_presigned_url",
            "get",
            "get_file_backend",
            "get_local_path",
            "get_text",
            "isdir",
            "isfile",
            "join_path",
            "list_dir_or_file",
            "list_from_file",
            "load",
            "put",
            "put_text",
            "register_backend",
            "register_handler",
            "remove",
            "rmtree",
        ),
    }
)
# ``import treadle`` then ``treadle.config.Config``, as after ``import mmengine``
_SUBPACKAGES = (
    "config", "dataset", "device", "dist", "evaluator", "fileio", "hooks", "logging", "model",
    "optim", "registry", "runner", "structures", "utils", "visualization",
)  # fmt: skip
_LAZY_NAMES.update({name: f"treadle.{name}" for name in _SUBPACKAGES})
del _utils


__getattr__, __dir__ = lazy_exports(__name__, _LAZY_NAMES)
