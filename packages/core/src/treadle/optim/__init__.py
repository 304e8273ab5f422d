"""Optimisation: optimizer wrappers, their constructor, and parameter schedulers.

Importing this package registers every ``torch.optim`` optimizer, the wrappers,
the default constructor and the schedulers in the root registries. The
registries also import these modules by themselves on first lookup.
"""

from treadle.optim.amp_optim_wrapper import AmpOptimWrapper
from treadle.optim.base import BaseOptimWrapper
from treadle.optim.constructor import DefaultOptimWrapperConstructor, build_optim_wrapper
from treadle.optim.optim_wrapper import OptimWrapper
from treadle.optim.optim_wrapper_dict import OptimWrapperDict
from treadle.optim.optimizers import TORCH_OPTIMIZERS, ZeroRedundancyOptimizer
from treadle.optim.scheduler import *  # noqa: F403
from treadle.optim.scheduler import __all__ as _scheduler_names
from treadle.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIMIZERS  # as mmengine.optim has them

__all__ = [
    "OPTIMIZERS",
    "OPTIM_WRAPPER_CONSTRUCTORS",
    "TORCH_OPTIMIZERS",
    "ZeroRedundancyOptimizer",
    "AmpOptimWrapper",
    "BaseOptimWrapper",
    "DefaultOptimWrapperConstructor",
    "OptimWrapper",
    "OptimWrapperDict",
    "build_optim_wrapper",
    *_scheduler_names,
]
