"""Compose: the pipeline container, built from callables or TRANSFORMS cfg dicts."""

from __future__ import annotations

import pytest

from treadle.dataset import Compose
from treadle.registry import TRANSFORMS


def add(key, value):
    def transform(results):
        results[key] = results.get(key, 0) + value
        return results

    return transform


def test_callables_and_cfgs_run_in_order():
    pipeline = Compose([add("a", 1), dict(type="DatasetTestMakeImage"), add("a", 10)])
    out = pipeline({"value": 1})
    assert out["a"] == 11
    assert out["img"][0, 0] == 100


def test_single_transform_and_none_are_accepted():
    assert Compose(add("a", 2))({})["a"] == 2
    assert Compose(dict(type="DatasetTestMakeImage"))({"value": 0})["img"].shape == (2, 3)
    assert Compose(None)({"x": 1}) == {"x": 1}


def test_none_stops_the_pipeline():
    calls = []

    def record(results):
        calls.append(results)
        return results

    pipeline = Compose([dict(type="DatasetTestDropOdd"), record])
    assert pipeline({"value": 3}) is None
    assert calls == []
    assert pipeline({"value": 2}) == {"value": 2}
    assert len(calls) == 1


def test_non_callable_entries_are_rejected_with_their_position():
    with pytest.raises(TypeError, match=r"pipeline\[1\] must be a callable or a cfg dict"):
        Compose([add("a", 1), 42])


def test_built_object_must_be_callable():
    @TRANSFORMS.register_module(force=True)
    class DatasetTestNotCallable:
        pass

    with pytest.raises(TypeError, match=r"pipeline\[0\] built from TRANSFORMS is not callable"):
        Compose([dict(type="DatasetTestNotCallable")])


def test_compose_is_registered_and_nests():
    inner = dict(type="Compose", transforms=[dict(type="DatasetTestMakeImage")])
    pipeline = TRANSFORMS.build(dict(type="Compose", transforms=[inner, add("b", 1)]))
    assert isinstance(pipeline, Compose)
    out = pipeline({"value": 2})
    assert out["b"] == 1 and out["img"][0, 0] == 200
    assert "DatasetTestMakeImage" in repr(pipeline)
