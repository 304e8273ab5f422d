"""Parameter schedulers: learning rate, momentum, or any param-group key, over steps."""

from treadle.optim.scheduler.constant import ConstantLR, ConstantMomentum, ConstantParamScheduler
from treadle.optim.scheduler.cosine import (
    CosineAnnealingLR,
    CosineAnnealingMomentum,
    CosineAnnealingParamScheduler,
    CosineRestartLR,
    CosineRestartMomentum,
    CosineRestartParamScheduler,
)
from treadle.optim.scheduler.exponential import (
    ExponentialLR,
    ExponentialMomentum,
    ExponentialParamScheduler,
)
from treadle.optim.scheduler.linear import LinearLR, LinearMomentum, LinearParamScheduler
from treadle.optim.scheduler.mixins import LRSchedulerMixin, MomentumSchedulerMixin
from treadle.optim.scheduler.one_cycle import OneCycleLR, OneCycleParamScheduler
from treadle.optim.scheduler.param_scheduler import INF, _ParamScheduler
from treadle.optim.scheduler.plateau import (
    ReduceOnPlateauLR,
    ReduceOnPlateauMomentum,
    ReduceOnPlateauParamScheduler,
)
from treadle.optim.scheduler.poly import PolyLR, PolyMomentum, PolyParamScheduler
from treadle.optim.scheduler.step import (
    MultiStepLR,
    MultiStepMomentum,
    MultiStepParamScheduler,
    StepLR,
    StepMomentum,
    StepParamScheduler,
)

__all__ = [
    "INF",
    "ConstantLR",
    "ConstantMomentum",
    "ConstantParamScheduler",
    "CosineAnnealingLR",
    "CosineAnnealingMomentum",
    "CosineAnnealingParamScheduler",
    "CosineRestartLR",
    "CosineRestartMomentum",
    "CosineRestartParamScheduler",
    "ExponentialLR",
    "ExponentialMomentum",
    "ExponentialParamScheduler",
    "LRSchedulerMixin",
    "LinearLR",
    "LinearMomentum",
    "LinearParamScheduler",
    "MomentumSchedulerMixin",
    "MultiStepLR",
    "MultiStepMomentum",
    "MultiStepParamScheduler",
    "OneCycleLR",
    "OneCycleParamScheduler",
    "PolyLR",
    "PolyMomentum",
    "PolyParamScheduler",
    "ReduceOnPlateauLR",
    "ReduceOnPlateauMomentum",
    "ReduceOnPlateauParamScheduler",
    "StepLR",
    "StepMomentum",
    "StepParamScheduler",
    "_ParamScheduler",
]
