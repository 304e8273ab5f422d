"""Metrics shipped with the core (registered in ``METRICS``)."""

from treadle.evaluator.metrics.dump_results import DumpResults

__all__ = ["DumpResults"]
