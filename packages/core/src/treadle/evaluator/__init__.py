"""Evaluation: ``BaseMetric`` subclasses compute metrics, ``Evaluator`` runs several of them."""

from treadle.evaluator.evaluator import Evaluator
from treadle.evaluator.metric import BaseMetric
from treadle.evaluator.metrics import DumpResults
from treadle.evaluator.utils import get_metric_value

__all__ = ["BaseMetric", "DumpResults", "Evaluator", "get_metric_value"]
