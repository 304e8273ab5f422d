"""Weight initialisation: functional helpers, registered initialisers, ``initialize``."""

from treadle.model.weight_init.functional import (
    bias_init_with_prob,
    caffe2_xavier_init,
    constant_init,
    kaiming_init,
    normal_init,
    trunc_normal_init,
    uniform_init,
    xavier_init,
)
from treadle.model.weight_init.initialize import initialize
from treadle.model.weight_init.initializers import (
    BaseInit,
    Caffe2XavierInit,
    ConstantInit,
    KaimingInit,
    NormalInit,
    TruncNormalInit,
    UniformInit,
    XavierInit,
)
from treadle.model.weight_init.pretrained import PretrainedInit

__all__ = [
    "BaseInit",
    "Caffe2XavierInit",
    "ConstantInit",
    "KaimingInit",
    "NormalInit",
    "PretrainedInit",
    "TruncNormalInit",
    "UniformInit",
    "XavierInit",
    "bias_init_with_prob",
    "caffe2_xavier_init",
    "constant_init",
    "initialize",
    "kaiming_init",
    "normal_init",
    "trunc_normal_init",
    "uniform_init",
    "xavier_init",
]
