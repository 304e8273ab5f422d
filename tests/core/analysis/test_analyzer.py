"""Module attribution, settings and the one forward pass of FlopAnalyzer/ActivationAnalyzer."""

from __future__ import annotations

import warnings

import pytest
import torch
import zoo
from torch import nn

from treadle.analysis import FlopAnalyzer, TensorInfo, get_shape
from treadle.logging import MMLogger


class Counting(nn.Module):
    """Counts its forward calls."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return self.fc(x).softmax(-1)


def test_statistics_by_module_and_operator() -> None:
    flops = FlopAnalyzer(zoo.TestNet(), (torch.randn(1, 10),))
    assert flops.total() == 400
    assert flops.total("inner") == 200
    assert flops.by_module() == {"": 400, "fc1": 100, "fc2": 100, "inner": 200,
                                 "inner.fc1": 100, "inner.fc2": 100}  # fmt: skip
    assert flops.by_module_and_operator()["inner.fc2"] == {"linear": 100}
    assert list(flops.by_module()) == [name for name, _ in zoo.TestNet().named_modules()]


def test_shared_uncalled_and_direct_forward_modules() -> None:
    model = zoo.Shared()
    flops = FlopAnalyzer(model, (torch.randn(1, 8),)).uncalled_modules_warnings(False)
    assert flops.canonical_module_name("alias") == "fc"
    assert flops.total("alias") == flops.total("fc") == 2 * 64  # called twice, two names
    # .forward() bypasses the module's call: its operators count in the caller only
    assert flops.total("direct") == 0
    assert flops.total() == 2 * 64 + 2 * 64 + 32
    assert flops.uncalled_modules() == {"unused", "direct", "skip"}


class Lender(nn.Module):
    """Calls a module it does not own."""

    def __init__(self, lent: nn.Module) -> None:
        super().__init__()
        self.__dict__["lent"] = lent  # not registered: not a child

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lent(x)


class Wrap(nn.Module):
    """Owns ``m`` (with ``m.lender`` and ``m.user``) and calls ``m.user``."""

    def __init__(self, m: nn.Module) -> None:
        super().__init__()
        self.m = m

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.m.user(x)


def test_ancestor_modes_differ_only_for_modules_called_by_non_owners() -> None:
    model = nn.Module()
    model.lender = nn.Linear(4, 4)
    model.user = Lender(model.lender)
    owner = FlopAnalyzer(Wrap(model), (torch.randn(1, 4),)).uncalled_modules_warnings(False)
    assert owner.total("m.user") == 0  # the lender's operators belong to its owner
    assert owner.total("m") == 16
    caller = owner.copy().ancestor_mode("caller")
    assert caller.total("m.user") == 16  # ... or to every module running at the time
    assert caller.total() == owner.total() == 16


def test_the_model_runs_once_whatever_is_asked() -> None:
    model = Counting()
    flops = FlopAnalyzer(model, (torch.randn(2, 4),)).unsupported_ops_warnings(False)
    assert model.calls == 0  # lazy: nothing runs until a statistic is asked for
    assert flops.total() == 32
    flops.set_op_handle("aten::softmax", lambda inputs, outputs: 3 * inputs[0].numel())
    assert flops.by_operator() == {"linear": 32, "softmax": 24}
    flops.clear_op_handles()
    assert flops.total() == 0
    assert flops.copy().total() == 0
    assert model.calls == 1


def test_handles_get_shapes_in_schema_order() -> None:
    seen = []

    def handle(inputs, outputs):
        seen.append((inputs, outputs))
        return 7

    model = Counting()
    flops = FlopAnalyzer(model, (torch.randn(2, 4),)).set_op_handle("aten::linear", handle)
    flops.unsupported_ops_warnings(False)
    assert flops.by_operator() == {"linear": 7}
    ((inputs, outputs),) = seen
    x, weight, bias = inputs
    assert isinstance(x, TensorInfo) and get_shape(x) == [2, 4]
    assert get_shape(weight) == [4, 4] and get_shape(bias) == [4]
    assert get_shape(outputs[0]) == [2, 4]
    assert get_shape(None) is None


def test_a_none_handle_ignores_the_operator() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4))
    flops = FlopAnalyzer(model, (torch.randn(1, 3, 2, 2),)).unsupported_ops_warnings(False)
    assert set(flops.by_operator()) == {"conv", "batch_norm"}
    flops.set_op_handle("aten::batch_norm", None)  # e.g. batch norm fused at inference
    assert set(flops.by_operator()) == {"conv"}
    assert "aten::batch_norm" not in flops.unsupported_ops()
    assert flops.unsupported_ops() == {"aten::add_": 1}  # num_batches_tracked += 1


def test_dtype_and_device_conversions_are_the_ignored_aten_to() -> None:
    class Converts(nn.Module):
        def forward(self, x):
            return x.half().float() + x.double().float() + x.cpu() + x.type(torch.float32)

    flops = FlopAnalyzer(Converts(), (torch.randn(2, 3),))
    flops.unsupported_ops_warnings(False)
    assert flops.total() == 0
    assert flops.unsupported_ops() == {"aten::add": 3}  # no aten::float, aten::half, ...


def test_unsupported_operators_are_counted_and_logged() -> None:
    logger = MMLogger.get_instance("analysis-test", log_level="WARNING")
    records = []
    logger.addFilter(lambda record: records.append(record.getMessage()))
    model = nn.Sequential(nn.Linear(4, 4), nn.Softmax(-1), nn.ReLU())
    flops = FlopAnalyzer(model, (torch.randn(1, 4),))
    with pytest.raises(RuntimeError, match="ask for a statistic first"):
        flops.unsupported_ops()
    flops.total()  # logs to the current logger, the one made last
    assert flops.unsupported_ops() == {"aten::softmax": 1}  # relu: ignored, as in MMEngine
    assert flops.unsupported_ops("0") == {}
    (message,) = records
    assert "aten::softmax" in message and "set_op_handle" in message


def test_any_input_the_forward_takes() -> None:
    class Dicts(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, batch: dict) -> torch.Tensor:
            return self.fc(batch["x"]) * batch["scale"]

    flops = FlopAnalyzer(Dicts(), {"x": torch.randn(5, 3), "scale": 2.0})
    flops.unsupported_ops_warnings(False)
    assert flops.total() == 5 * 3 * 2


def test_a_data_parallel_wrapper_is_looked_through() -> None:
    model = nn.DataParallel(zoo.TestNet())  # on a CUDA machine it moves the net to cuda:0
    flops = FlopAnalyzer(model, (torch.randn(1, 10, device=next(model.parameters()).device),))
    assert flops.total() == 400
    assert flops.total("module.inner") == 200


def test_settings_reject_unknown_values() -> None:
    flops = FlopAnalyzer(zoo.TestNet(), (torch.randn(1, 10),))
    with pytest.raises(ValueError, match="'owner' or 'caller'"):
        flops.ancestor_mode("parent")
    with pytest.raises(ValueError, match="'all', 'no_tracer_warning' or 'none'"):
        flops.tracer_warnings("some")
    with pytest.raises(TypeError, match=r"\(name, handle\) pairs"):
        flops.set_op_handle("aten::mm")
    with pytest.raises(KeyError, match="'fc3' is not a module of the analysed TestNet"):
        flops.total("fc3")


def test_warnings_of_the_forward_can_be_silenced() -> None:
    class Noisy(nn.Linear):
        def forward(self, x):
            warnings.warn("from the forward", UserWarning, stacklevel=1)
            return super().forward(x)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        FlopAnalyzer(Noisy(2, 2), (torch.randn(1, 2),)).total()
        assert [str(w.message) for w in caught] == ["from the forward"]
        caught.clear()
        FlopAnalyzer(Noisy(2, 2), (torch.randn(1, 2),)).tracer_warnings("none").total()
        assert caught == []


def test_a_failing_forward_leaves_no_hooks_or_modes_behind() -> None:
    class Broken(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x.reshape(3, 7))

    model = Broken()
    with pytest.raises(RuntimeError, match="shape"):
        FlopAnalyzer(model, (torch.randn(1, 2),)).total()
    assert not model._forward_pre_hooks and not model.fc._forward_hooks
    assert not torch._C._is_torch_function_mode_enabled()
    assert torch.ones(2).sum().item() == 2  # plain torch again
