"""get_metric_value: a bare metric name or a full 'prefix/name' picks one evaluator result."""

from __future__ import annotations

import pytest

from treadle.evaluator import BaseMetric, Evaluator, get_metric_value


class Scores(BaseMetric):
    def process(self, data_batch, data_samples):
        self.results.extend(data_samples)

    def compute_metrics(self, results):
        return {"AP": sum(results) / len(results), "AR": max(results)}


def test_bare_and_full_names_on_real_evaluator_output():
    evaluator = Evaluator([Scores(prefix="coco"), Scores(prefix="voc")])
    evaluator.process([0.5, 1.0])
    metrics = evaluator.evaluate(size=2)
    assert metrics == {"coco/AP": 0.75, "coco/AR": 1.0, "voc/AP": 0.75, "voc/AR": 1.0}
    assert get_metric_value("coco/AR", metrics) == 1.0
    with pytest.raises(ValueError, match=r"'AP' matches several metrics \['coco/AP', 'voc/AP'\]"):
        get_metric_value("AP", metrics)


def test_bare_name_matches_the_last_part_only():
    metrics = {"coco/bbox/mAP": 0.4, "acc": 0.9, "coco/mAP_50": 0.6}
    assert get_metric_value("mAP", metrics) == 0.4
    assert get_metric_value("acc", metrics) == 0.9
    assert get_metric_value("mAP_50", metrics) == 0.6
    with pytest.raises(ValueError, match=r"'bbox' matches no metric; the metrics are \["):
        get_metric_value("bbox", metrics)
    with pytest.raises(ValueError, match="'voc/mAP' matches no metric"):
        get_metric_value("voc/mAP", metrics)  # a full name is looked up as it is


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match=r"indicator must be a metric name .* got int: 3"):
        get_metric_value(3, {"a": 1})
    with pytest.raises(TypeError, match="metrics must be the dict an evaluator returns, got list"):
        get_metric_value("a", [("a", 1)])
