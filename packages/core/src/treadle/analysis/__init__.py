"""Model complexity: flops, activations and parameters, per module and per operator.

MMEngine's ``mmengine.analysis`` interface. The model runs once, eagerly, while its
torch calls are recorded (no ``torch.jit`` trace), so any input its forward accepts
can be given.
"""

from treadle.analysis.analyzer import (
    ActivationAnalyzer,
    FlopAnalyzer,
    ModelAnalysis,
    activation_count,
    flop_count,
)
from treadle.analysis.handles import Handle, TensorInfo, get_shape
from treadle.analysis.report import (
    complexity_stats_str,
    complexity_stats_table,
    get_model_complexity_info,
    parameter_count,
    parameter_count_table,
)

__all__ = [
    "ActivationAnalyzer",
    "FlopAnalyzer",
    "Handle",
    "ModelAnalysis",
    "TensorInfo",
    "activation_count",
    "complexity_stats_str",
    "complexity_stats_table",
    "flop_count",
    "get_model_complexity_info",
    "get_shape",
    "parameter_count",
    "parameter_count_table",
]
