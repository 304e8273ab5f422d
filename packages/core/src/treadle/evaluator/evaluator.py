"""``Evaluator``: feed model outputs to one or more metrics and merge their results."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

from treadle.dataset.collate import pseudo_collate
from treadle.evaluator.metric import BaseMetric
from treadle.registry import EVALUATOR, METRICS
from treadle.structures import BaseDataElement


@EVALUATOR.register_module()
class Evaluator:
    """Run several metrics over the same predictions.

    Args:
        metrics: a metric, its config dict, or a list of either.
    """

    def __init__(self, metrics: dict | BaseMetric | Sequence) -> None:
        self._dataset_meta: dict | None = None
        if isinstance(metrics, (dict, BaseMetric)):
            metrics = [metrics]
        self.metrics: list[BaseMetric] = []
        for position, metric in enumerate(metrics):
            built = METRICS.build(metric) if isinstance(metric, dict) else metric
            if not isinstance(built, BaseMetric):
                raise TypeError(
                    f"Evaluator metric #{position} must be a BaseMetric or its config dict, "
                    f"got {type(built).__name__}"
                )
            self.metrics.append(built)

    @property
    def dataset_meta(self) -> dict | None:
        """Dataset meta information, handed on to every metric when set."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict | None) -> None:
        self._dataset_meta = dataset_meta
        for metric in self.metrics:
            metric.dataset_meta = dataset_meta

    def process(self, data_samples: Sequence, data_batch: Any = None) -> None:
        """Pass one batch to every metric; data elements are turned into dicts first."""
        samples = [
            sample.to_dict() if isinstance(sample, BaseDataElement) else sample
            for sample in data_samples
        ]
        for metric in self.metrics:
            metric.process(data_batch, samples)

    def evaluate(self, size: int) -> dict:
        """Every metric's results in one dict; two metrics may not produce the same name."""
        merged: dict = {}
        for metric in self.metrics:
            results = metric.evaluate(size)
            clashes = sorted(set(results) & set(merged))
            if clashes:
                raise ValueError(
                    f"metric {type(metric).__name__} produced {clashes}, which an earlier metric "
                    "already produced; give the metrics different prefixes"
                )
            merged.update(results)
        return merged

    def offline_evaluate(
        self, data_samples: Sequence, data: Sequence | None = None, chunk_size: int = 1
    ) -> dict:
        """Evaluate saved predictions (and optionally their inputs) ``chunk_size`` at a time."""
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be a positive integer, got {chunk_size}")
        data_chunks: Iterator[list] | None = None
        if data is not None:
            if len(data_samples) != len(data):
                raise ValueError(
                    f"data_samples and data must have the same length, got "
                    f"{len(data_samples)} data_samples and {len(data)} data"
                )
            data_chunks = _chunks(data, chunk_size)
        size = 0
        for sample_chunk in _chunks(data_samples, chunk_size):
            data_chunk = pseudo_collate(next(data_chunks)) if data_chunks is not None else None
            size += len(sample_chunk)
            self.process(sample_chunk, data_chunk)
        return self.evaluate(size)


def _chunks(items: Sequence, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
