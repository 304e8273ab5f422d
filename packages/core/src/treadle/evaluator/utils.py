"""``get_metric_value``: pick one value out of an evaluator's ``{'prefix/name': value}`` dict."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def get_metric_value(indicator: str, metrics: Mapping[str, Any]) -> Any:
    """The value of ``metrics`` that ``indicator`` names.

    ``indicator`` is a full key with its prefix (``'coco/AP'``: that key only) or a bare
    metric name (``'AP'``: the one key whose last ``/`` part is ``AP``, whatever its
    prefix). No match, or several for a bare name, is a ``ValueError`` listing the keys.
    """
    if not isinstance(indicator, str):
        raise TypeError(
            f"indicator must be a metric name such as 'AP' or 'coco/AP', got "
            f"{type(indicator).__name__}: {indicator!r}"
        )
    if not isinstance(metrics, Mapping):
        raise TypeError(
            f"metrics must be the dict an evaluator returns, got {type(metrics).__name__}"
        )
    if "/" in indicator:
        if indicator in metrics:
            return metrics[indicator]
        raise ValueError(
            f"indicator {indicator!r} matches no metric; the metrics are {list(metrics)}"
        )
    matched = [key for key in metrics if str(key).rsplit("/", 1)[-1] == indicator]
    if not matched:
        raise ValueError(
            f"indicator {indicator!r} matches no metric; the metrics are {list(metrics)}"
        )
    if len(matched) > 1:
        raise ValueError(
            f"indicator {indicator!r} matches several metrics {matched}; give the full "
            f"name with its prefix, e.g. {matched[0]!r}"
        )
    return metrics[matched[0]]
