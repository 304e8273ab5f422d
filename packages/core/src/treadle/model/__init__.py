"""Models: ``BaseModel``, ``BaseModule`` with ``init_cfg``, data preprocessors, wrappers, EMA.

Importing this package registers its classes in ``MODELS``, ``MODEL_WRAPPERS``
and ``WEIGHT_INITIALIZERS`` (the root registries list it as a location, so a
config build finds them without an explicit import).
"""

from treadle.model.averaged_model import (
    BaseAveragedModel,
    ExponentialMovingAverage,
    MomentumAnnealingEMA,
    StochasticWeightAverage,
)
from treadle.model.base_model import BaseModel
from treadle.model.base_module import BaseModule, ModuleDict, ModuleList, Sequential
from treadle.model.data_preprocessor import BaseDataPreprocessor, ImgDataPreprocessor
from treadle.model.separate_distributed import MMSeparateDistributedDataParallel
from treadle.model.sync_batchnorm import convert_sync_batchnorm, revert_sync_batchnorm
from treadle.model.test_time_aug import BaseTTAModel
from treadle.model.utils import merge_dict, stack_batch
from treadle.model.weight_init import (
    BaseInit,
    Caffe2XavierInit,
    ConstantInit,
    KaimingInit,
    NormalInit,
    PretrainedInit,
    TruncNormalInit,
    UniformInit,
    XavierInit,
    bias_init_with_prob,
    caffe2_xavier_init,
    constant_init,
    initialize,
    kaiming_init,
    normal_init,
    trunc_normal_init,
    uniform_init,
    xavier_init,
)
from treadle.model.wrappers import (
    MMDistributedDataParallel,
    detect_anomalous_params,
    is_model_wrapper,
    unwrap_model,
)

__all__ = [
    "BaseAveragedModel",
    "BaseDataPreprocessor",
    "BaseInit",
    "BaseModel",
    "BaseModule",
    "BaseTTAModel",
    "Caffe2XavierInit",
    "ConstantInit",
    "ExponentialMovingAverage",
    "ImgDataPreprocessor",
    "KaimingInit",
    "MMDistributedDataParallel",
    "MMSeparateDistributedDataParallel",
    "ModuleDict",
    "ModuleList",
    "MomentumAnnealingEMA",
    "NormalInit",
    "PretrainedInit",
    "Sequential",
    "StochasticWeightAverage",
    "TruncNormalInit",
    "UniformInit",
    "XavierInit",
    "bias_init_with_prob",
    "caffe2_xavier_init",
    "constant_init",
    "convert_sync_batchnorm",
    "detect_anomalous_params",
    "initialize",
    "is_model_wrapper",
    "kaiming_init",
    "merge_dict",
    "normal_init",
    "revert_sync_batchnorm",
    "stack_batch",
    "trunc_normal_init",
    "uniform_init",
    "unwrap_model",
    "xavier_init",
]


def __getattr__(name: str) -> object:
    if name == "MMFullyShardedDataParallel":  # torch's FSDP is slow to import: on first use
        from treadle.model.fully_sharded import MMFullyShardedDataParallel

        return MMFullyShardedDataParallel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
