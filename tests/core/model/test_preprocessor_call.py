"""BaseDataPreprocessor.__call__: its shortcut to cast_data gives what forward gives, and
module hooks, global hooks and subclasses' forward still run."""

from __future__ import annotations

import torch
from torch.nn.modules.module import register_module_forward_hook

from treadle.model import BaseDataPreprocessor


def _batch() -> dict:
    return {
        "inputs": torch.arange(6.0).reshape(2, 3),
        "labels": [torch.tensor([1]), torch.tensor([0])],
        "pair": (torch.ones(2), "tag"),
        "name": "batch-0",
        "nothing": None,
        "meta": {"scale": torch.tensor(0.5), "ids": [3, 4]},
    }


def _same_structure(a, b) -> None:
    assert type(a) is type(b)
    if isinstance(a, torch.Tensor):
        assert a.device == b.device
        torch.testing.assert_close(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            _same_structure(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same_structure(x, y)
    else:
        assert a == b


def test_call_equals_forward():
    preprocessor = BaseDataPreprocessor()
    batch = _batch()
    for training in (False, True):
        called = preprocessor(batch, training)
        _same_structure(called, preprocessor.forward(batch, training))
        _same_structure(called, batch)
    assert preprocessor(batch, training=True).keys() == batch.keys()
    assert preprocessor(data=batch)["name"] == "batch-0"
    _same_structure(preprocessor([torch.ones(1), "x"]), [torch.ones(1), "x"])


def test_tensors_on_the_device_come_back_as_the_same_objects():
    preprocessor = BaseDataPreprocessor()
    batch = _batch()
    out = preprocessor(batch, True)
    assert out is not batch  # a new dict ...
    assert out["inputs"] is batch["inputs"]  # ... holding the very same tensors
    assert out["labels"][0] is batch["labels"][0] and out["labels"][1] is batch["labels"][1]
    assert out["pair"][0] is batch["pair"][0]
    assert out["meta"]["scale"] is batch["meta"]["scale"]
    tensor = torch.ones(3)
    assert preprocessor(tensor) is tensor


def test_module_forward_hook_and_pre_hook_are_called():
    preprocessor = BaseDataPreprocessor()
    seen: list[tuple] = []

    def pre_hook(module, args):
        seen.append(("pre", module, len(args)))
        data = dict(args[0])
        data["inputs"] = data["inputs"] * 10  # the forward gets the changed input
        return (data, *args[1:])

    def hook(module, args, output):
        seen.append(("post", module, output["inputs"].sum().item()))

    pre = preprocessor.register_forward_pre_hook(pre_hook)
    post = preprocessor.register_forward_hook(hook)
    batch = _batch()
    out = preprocessor(batch, True)
    assert seen == [("pre", preprocessor, 2), ("post", preprocessor, 150.0)]
    torch.testing.assert_close(out["inputs"], batch["inputs"] * 10)
    pre.remove()
    post.remove()
    out = preprocessor(batch, True)
    assert out["inputs"] is batch["inputs"] and len(seen) == 2


def test_forward_hook_that_replaces_the_output():
    preprocessor = BaseDataPreprocessor()
    handle = preprocessor.register_forward_hook(lambda module, args, output: {"replaced": 1})
    try:
        assert preprocessor(_batch()) == {"replaced": 1}
    finally:
        handle.remove()


def test_global_forward_hook_is_called():
    preprocessor = BaseDataPreprocessor()
    seen: list = []
    handle = register_module_forward_hook(
        lambda module, args, output: seen.append((module, output))
    )
    try:
        out = preprocessor(_batch(), True)
    finally:
        handle.remove()
    assert [module for module, _ in seen] == [preprocessor]
    assert seen[0][1] is out
    preprocessor(_batch(), True)
    assert len(seen) == 1  # removed: not called any more


def test_subclass_forward_is_called():
    class Doubling(BaseDataPreprocessor):
        def __init__(self) -> None:
            super().__init__()
            self.calls: list[bool] = []

        def forward(self, data, training=False):
            self.calls.append(training)
            data = self.cast_data(data)
            return {**data, "inputs": data["inputs"] * 2}

    preprocessor = Doubling()
    batch = _batch()
    out = preprocessor(batch, True)
    out_eval = preprocessor(batch)
    assert preprocessor.calls == [True, False]
    torch.testing.assert_close(out["inputs"], batch["inputs"] * 2)
    torch.testing.assert_close(out_eval["inputs"], batch["inputs"] * 2)


def test_subclass_cast_data_is_used_by_the_base_forward():
    class Tagging(BaseDataPreprocessor):
        def cast_data(self, data):
            data = super().cast_data(data)
            return {**data, "tagged": True} if isinstance(data, dict) else data

    out = Tagging()(_batch(), True)
    assert out["tagged"] is True and out["name"] == "batch-0"


def test_a_subclass_forward_with_more_arguments_is_called_through_torch():
    class WithExtra(BaseDataPreprocessor):
        def forward(self, data, training=False, scale=1.0):
            return {key: value * scale for key, value in self.cast_data(data).items()}

    out = WithExtra()({"x": torch.ones(2)}, True, scale=2.0)
    assert torch.equal(out["x"], torch.full((2,), 2.0))
