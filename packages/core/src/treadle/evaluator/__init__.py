"""Evaluation: ``BaseMetric`` subclasses compute metrics, ``Evaluator`` runs several of them."""

from treadle.evaluator.collate import pseudo_collate
from treadle.evaluator.evaluator import Evaluator
from treadle.evaluator.metric import BaseMetric
from treadle.evaluator.metrics import DumpResults

__all__ = ["BaseMetric", "DumpResults", "Evaluator", "pseudo_collate"]
