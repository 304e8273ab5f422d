"""``DumpResults``: save the model's predictions to a pickle file instead of scoring them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from treadle.evaluator.metric import BaseMetric, _to_cpu
from treadle.fileio import dump
from treadle.registry import METRICS

logger = logging.getLogger(__name__)


@METRICS.register_module()
class DumpResults(BaseMetric):
    """Collect every prediction (on the CPU) and write them, in dataset order, to a pickle.

    Args:
        out_file_path: where to write; must end with ``.pkl`` or ``.pickle``.
        collect_device: ``'cpu'`` or ``'gpu'``, as for :class:`BaseMetric`.
        collect_dir: shared directory for ``collect_device='cpu'``.
    """

    def __init__(
        self, out_file_path: str, collect_device: str = "cpu", collect_dir: str | None = None
    ) -> None:
        super().__init__(collect_device=collect_device, collect_dir=collect_dir)
        if not str(out_file_path).endswith((".pkl", ".pickle")):
            raise ValueError(
                f"DumpResults writes a pickle, so out_file_path must end with .pkl or .pickle, "
                f"got {out_file_path!r}"
            )
        self.out_file_path = str(out_file_path)

    def process(self, data_batch: Any, predictions: Sequence[dict]) -> None:
        self.results.extend(_to_cpu(list(predictions)))

    def compute_metrics(self, results: list) -> dict:
        dump(results, self.out_file_path)  # atomic on local disk
        logger.info("Results have been saved to %s.", self.out_file_path)
        return {}
