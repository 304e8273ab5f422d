"""BaseMetric, Evaluator (online and offline) and DumpResults in one process."""

from __future__ import annotations

import json
import logging
import pickle

import numpy as np
import pytest
import torch

from treadle.evaluator import BaseMetric, DumpResults, Evaluator
from treadle.structures import BaseDataElement


class Accuracy(BaseMetric):
    default_prefix = "acc"

    def process(self, data_batch, data_samples):
        self.batches = [*getattr(self, "batches", []), data_batch]
        for sample in data_samples:
            self.results.append(sample["pred"] == sample["gt"])

    def compute_metrics(self, results):
        return {"top1": sum(results) / len(results)}


class Returns(BaseMetric):
    """A metric whose compute_metrics returns a fixed value (to test the checks)."""

    def __init__(self, value, **kwargs):
        super().__init__(prefix="r", **kwargs)
        self.value = value

    def process(self, data_batch, data_samples):
        self.results.extend(data_samples)

    def compute_metrics(self, results):
        return self.value


def samples(preds, gts):
    return [{"pred": p, "gt": g} for p, g in zip(preds, gts, strict=True)]


def test_prefix_and_collect_options(caplog):
    assert Accuracy().prefix == "acc"
    assert Accuracy(prefix="val").prefix == "val"
    with caplog.at_level(logging.WARNING):
        assert Returns({}).prefix == "r"
        DumpResults("out.pkl")
    assert "prefix is not set in metric class DumpResults" in caplog.text
    with pytest.raises(ValueError, match=r"collect_dir is only used with collect_device='cpu'"):
        Accuracy(collect_device="gpu", collect_dir="shared")


def test_dataset_meta_is_handed_to_metrics_as_it_is():
    meta = {"classes": ["cat", "dog"], "palette": object()}  # any object, copyable or not
    accuracy, dump = Accuracy(), DumpResults("x.pkl")
    evaluator = Evaluator([accuracy, dump])
    evaluator.dataset_meta = meta
    assert evaluator.dataset_meta is meta
    assert accuracy.dataset_meta is meta and dump.dataset_meta is meta  # as in MMEngine


def test_evaluate_prefixes_truncates_and_clears():
    metric = Accuracy()
    metric.process(None, samples([1, 0, 1], [1, 1, 1]))
    metric.process(None, samples([0], [1]))  # a padded duplicate beyond size 3
    assert metric.evaluate(size=3) == {"acc/top1": pytest.approx(2 / 3)}
    assert metric.results == []


def test_empty_results_warn(caplog):
    metric = Returns({"n": 0})
    with caplog.at_level(logging.WARNING):
        assert metric.evaluate(size=0) == {"r/n": 0}
    assert "Returns got empty `self.results`" in caplog.text


@pytest.mark.parametrize(
    "value",
    [1, 0.5, True, np.float64(0.25), np.array(0.5), torch.tensor(0.5), torch.tensor([0.5])],
)
def test_scalar_values_are_accepted(value):
    metric = Returns({"v": value})
    metric.process(None, [1])
    assert metric.evaluate(size=1) == {"r/v": value}


@pytest.mark.parametrize(
    ("value", "described"),
    [
        ([0.5, 0.25], "list [0.5, 0.25]"),
        (torch.tensor([0.5, 0.25]), "Tensor of shape (2,)"),
        (np.zeros((2, 2)), "ndarray of shape (2, 2)"),
        ("good", "str 'good'"),
        ({"inner": 1}, "dict {'inner': 1}"),
        (None, "NoneType None"),
    ],
)
def test_non_scalar_values_name_the_metric_and_key(value, described):
    metric = Returns({"fine": 1.0, "per_class": value})
    metric.process(None, [1])
    with pytest.raises(ValueError) as info:
        metric.evaluate(size=1)
    message = str(info.value)
    assert "metric Returns" in message and "'per_class'" in message and described in message
    assert metric.results == []


def test_compute_metrics_must_return_a_dict():
    metric = Returns([("acc", 1.0)])
    metric.process(None, [1])
    with pytest.raises(TypeError, match=r"Returns.compute_metrics\(\) must return a dict"):
        metric.evaluate(size=1)


def test_evaluator_runs_every_metric_and_converts_data_elements():
    seen = []

    class Recorder(BaseMetric):
        default_prefix = "rec"

        def process(self, data_batch, data_samples):
            seen.extend(data_samples)
            self.results.extend(data_samples)

        def compute_metrics(self, results):
            return {"count": len(results)}

    evaluator = Evaluator([Accuracy(), Recorder()])
    element = BaseDataElement(pred=1, gt=1, metainfo=dict(img_id=4))
    evaluator.process([element, {"pred": 0, "gt": 1}], data_batch={"inputs": [1, 2]})
    assert seen[0] == {"img_id": 4, "pred": 1, "gt": 1}
    assert evaluator.metrics[0].batches == [{"inputs": [1, 2]}]
    assert evaluator.evaluate(size=2) == {"acc/top1": 0.5, "rec/count": 2}


def test_evaluator_refuses_clashing_metric_names():
    evaluator = Evaluator([Accuracy(), Accuracy()])
    evaluator.process(samples([1], [1]))
    with pytest.raises(ValueError, match=r"\['acc/top1'\].*different prefixes"):
        evaluator.evaluate(size=1)
    with pytest.raises(TypeError, match=r"metric #1 must be a BaseMetric"):
        Evaluator([Accuracy(), "Accuracy"])


def test_offline_evaluate_in_chunks():
    evaluator = Evaluator(Accuracy())
    predictions = samples([1, 0, 1, 1, 0], [1, 1, 1, 0, 0])
    data = [{"inputs": torch.full((2,), float(i)), "id": i} for i in range(5)]
    assert evaluator.offline_evaluate(predictions, data, chunk_size=2) == {"acc/top1": 0.6}
    batches = evaluator.metrics[0].batches
    assert [batch["id"] for batch in batches] == [[0, 1], [2, 3], [4]]
    assert [len(batch["inputs"]) for batch in batches] == [2, 2, 1]
    assert evaluator.offline_evaluate(predictions[:3]) == {"acc/top1": pytest.approx(2 / 3)}
    assert evaluator.metrics[0].batches[-1] is None
    with pytest.raises(ValueError, match=r"same length, got 5 data_samples and 4 data"):
        evaluator.offline_evaluate(predictions, data[:4])
    with pytest.raises(ValueError, match=r"chunk_size must be a positive integer, got 0"):
        evaluator.offline_evaluate(predictions, chunk_size=0)


def test_dump_results_writes_cpu_predictions(tmp_path):
    out = tmp_path / "sub" / "preds.pkl"
    evaluator = Evaluator(DumpResults(str(out)))
    predictions = [
        BaseDataElement(score=torch.tensor([0.5 + i]), metainfo=dict(i=i)) for i in range(3)
    ]
    evaluator.process(predictions[:2])
    evaluator.process(predictions[2:])
    assert evaluator.evaluate(size=3) == {}
    loaded = pickle.loads(out.read_bytes())
    assert [item["i"] for item in loaded] == [0, 1, 2]
    assert loaded[2]["score"].tolist() == [2.5] and loaded[2]["score"].device.type == "cpu"
    assert sorted(p.name for p in out.parent.iterdir()) == ["preds.pkl"]  # no temp files left
    with pytest.raises(ValueError, match=r"must end with .pkl or .pickle, got 'preds.json'"):
        DumpResults("preds.json")


def test_registries_find_core_metrics_lazily(python):
    out = python(
        "import json, sys\n"
        "from treadle.registry import EVALUATOR, METRICS\n"
        "before = 'torch' in sys.modules\n"
        "evaluator = EVALUATOR.build(dict(type='Evaluator',\n"
        "    metrics=[dict(type='DumpResults', out_file_path='never.pkl')]))\n"
        "print(json.dumps([before, type(evaluator).__name__,\n"
        "    type(evaluator.metrics[0]).__name__, 'DumpResults' in METRICS]))\n"
    ).stdout
    assert json.loads(out) == [False, "Evaluator", "DumpResults", True]
