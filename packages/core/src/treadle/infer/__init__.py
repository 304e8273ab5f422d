"""Inference interface for downstream tasks: MMEngine's ``mmengine.infer``."""

from treadle.infer.inferencer import BaseInferencer, InferencerMeta

__all__ = ["BaseInferencer", "InferencerMeta"]
