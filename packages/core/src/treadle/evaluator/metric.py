"""``BaseMetric``: accumulate per-batch results, then compute metrics once over all ranks.

``process`` appends whatever a batch contributes to ``self.results``; ``evaluate``
collects every rank's results on rank 0 (through files or the backend), calls
``compute_metrics`` there, checks that each value is a scalar, and shares the
metrics dict with every rank.
"""

from __future__ import annotations

import logging
import numbers
from abc import ABCMeta, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from treadle.dist import broadcast_object_list, collect_results, get_world_size, is_main_process
from treadle.structures import BaseDataElement

logger = logging.getLogger(__name__)


class BaseMetric(metaclass=ABCMeta):
    """Base class of evaluation metrics.

    Args:
        collect_device: how ranks exchange results: ``'cpu'`` (files in a shared
            directory) or ``'gpu'`` (through the communication backend).
        prefix: prepended to metric names as ``'prefix/name'``; defaults to the
            class attribute ``default_prefix``.
        collect_dir: shared directory for ``collect_device='cpu'`` (``./.dist_test`` if None).
    """

    default_prefix: str | None = None

    def __init__(
        self,
        collect_device: str = "cpu",
        prefix: str | None = None,
        collect_dir: str | None = None,
    ) -> None:
        if collect_dir is not None and collect_device != "cpu":
            raise ValueError(
                f"collect_dir is only used with collect_device='cpu', got "
                f"collect_device={collect_device!r}"
            )
        self._dataset_meta: dict | None = None
        self.collect_device = collect_device
        self.collect_dir = collect_dir
        self.results: list = []
        self.prefix = prefix or self.default_prefix
        if self.prefix is None:
            logger.warning(
                "The prefix is not set in metric class %s; metric names get no prefix.",
                type(self).__name__,
            )

    @property
    def dataset_meta(self) -> dict | None:
        """Meta information of the dataset (classes, palette ...), set by the runner."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict | None) -> None:
        self._dataset_meta = dataset_meta  # shared with the evaluator, as in MMEngine

    @abstractmethod
    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Add what one batch contributes (``data_batch`` inputs, ``data_samples`` outputs)
        to ``self.results``."""

    @abstractmethod
    def compute_metrics(self, results: list) -> dict:
        """Metric name -> scalar value, from the ``results`` of every rank."""

    def evaluate(self, size: int) -> dict:
        """Collect results across ranks, compute on rank 0 and return the metrics everywhere.

        Args:
            size: the dataset size; results padded by the sampler beyond it are dropped.
        """
        if not self.results:
            logger.warning(
                "%s got empty `self.results`; make sure process() appends to self.results.",
                type(self).__name__,
            )
        results = collect_results(
            self.results,
            size,
            self.collect_device,
            tmpdir=self.collect_dir if self.collect_device == "cpu" else None,
        )
        outcome: list[Any] = [None, None]  # [metrics, error raised on rank 0]
        failure: Exception | None = None
        if is_main_process():
            try:
                outcome[0] = self._compute(_to_cpu(results))
            except Exception as exc:
                failure = exc
                outcome[1] = f"{type(exc).__name__}: {exc}"
        if get_world_size() > 1:
            broadcast_object_list(outcome)
        self.results.clear()
        if failure is not None:
            raise failure
        if outcome[1] is not None:
            raise RuntimeError(f"{type(self).__name__} failed on rank 0: {outcome[1]}")
        return outcome[0]

    def _compute(self, results: list) -> dict:
        metrics = self.compute_metrics(results)
        name = type(self).__name__
        if not isinstance(metrics, dict):
            raise TypeError(
                f"{name}.compute_metrics() must return a dict of metric name -> scalar, "
                f"got {type(metrics).__name__}"
            )
        for key, value in metrics.items():
            if not _is_scalar(value):
                raise ValueError(
                    f"metric {name} returned a non-scalar value for key {key!r}: "
                    f"{_describe(value)}. compute_metrics() must return scalars (a number, or "
                    "a one-element tensor/array); reduce it (e.g. .mean().item()) or split it "
                    "into one key per entry"
                )
        if self.prefix:
            metrics = {f"{self.prefix}/{key}": value for key, value in metrics.items()}
        return metrics


def _is_scalar(value: Any) -> bool:
    if isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, complex):
        return True
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return value.size == 1 if isinstance(value, np.ndarray) else value.numel() == 1
    return False


def _describe(value: Any) -> str:
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return f"{type(value).__name__} of shape {tuple(value.shape)}"
    text = repr(value)
    return f"{type(value).__name__} {text[:80]}{'...' if len(text) > 80 else ''}"


def _to_cpu(data: Any) -> Any:
    """Move tensors and data elements, also inside lists/tuples/dicts, to the CPU."""
    if isinstance(data, (torch.Tensor, BaseDataElement)):
        return data.to("cpu")
    if isinstance(data, list):
        return [_to_cpu(item) for item in data]
    if isinstance(data, tuple):
        return tuple(_to_cpu(item) for item in data)
    if isinstance(data, dict):
        return {key: _to_cpu(value) for key, value in data.items()}
    return data
