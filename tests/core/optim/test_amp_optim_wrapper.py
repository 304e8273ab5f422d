"""AmpOptimWrapper on CPU: bf16 autocast training and loss-scaler state round trips."""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from treadle.optim import AmpOptimWrapper, build_optim_wrapper


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    return torch.randn(16, 4, generator=generator), torch.randn(16, 1, generator=generator)


def test_bf16_on_cpu_trains_under_autocast_and_state_round_trips():
    model = _model()
    wrapper = AmpOptimWrapper(
        dtype="bfloat16", optimizer=torch.optim.SGD(model.parameters(), lr=0.1)
    )
    assert wrapper.cast_dtype is torch.bfloat16 and not wrapper.loss_scaler.is_enabled()
    x, y = _batch()
    before = [p.detach().clone() for p in model.parameters()]
    losses = []
    for _ in range(20):
        with wrapper.optim_context(model):
            out = model(x)
            assert out.dtype is torch.bfloat16
        loss = F.mse_loss(out.float(), y)
        wrapper.update_params(loss)
        losses.append(float(loss.detach()))
    assert losses[-1] < losses[0]
    assert all(p.dtype is torch.float32 for p in model.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    with torch.no_grad():
        assert model(x).dtype is torch.float32  # autocast ends with the context

    state = wrapper.state_dict()
    assert state["loss_scaler"] == {}  # bf16 needs no scaling: a disabled scaler, as MMEngine
    fresh = AmpOptimWrapper(
        dtype="bfloat16", optimizer=torch.optim.SGD(_model().parameters(), lr=0.5)
    )
    fresh.load_state_dict(state)
    assert "loss_scaler" in state  # the caller's dict is not consumed
    assert fresh.get_lr() == {"lr": [0.1]}
    assert fresh.state_dict()["loss_scaler"] == {}


def test_fp16_loss_scaler_state_round_trips():
    model = _model()
    wrapper = AmpOptimWrapper(
        dtype="float16",
        loss_scale=dict(init_scale=1024.0, growth_interval=2),
        optimizer=torch.optim.SGD(model.parameters(), lr=0.01),
        clip_grad=dict(max_norm=10.0),
    )
    assert wrapper.loss_scaler.is_enabled()
    x, y = _batch()
    for _ in range(4):
        with wrapper.optim_context(model):
            out = model(x)
            assert out.dtype is torch.float16
        wrapper.update_params(F.mse_loss(out.float(), y))
    state = copy.deepcopy(wrapper.state_dict())
    scaler = state["loss_scaler"]
    assert scaler["scale"] == 4096.0  # grew twice: 2 clean steps per growth_interval
    assert scaler["growth_interval"] == 2
    fresh = AmpOptimWrapper(dtype="float16", optimizer=torch.optim.SGD(_model().parameters()))
    assert fresh.loss_scaler.get_scale() == 65536.0
    fresh.load_state_dict(state)
    assert fresh.loss_scaler.get_scale() == 4096.0
    assert fresh.loss_scaler.get_growth_interval() == 2
    assert fresh.get_lr() == {"lr": [0.01]}


def test_static_loss_scale_stays_fixed():
    model = _model()
    wrapper = AmpOptimWrapper(
        dtype="float16", loss_scale=128.0, optimizer=torch.optim.SGD(model.parameters(), lr=0.01)
    )
    x, y = _batch()
    for _ in range(3):
        with wrapper.optim_context(model):
            loss = F.mse_loss(model(x).float(), y)
        wrapper.update_params(loss)
    assert wrapper.loss_scaler.get_scale() == 128.0


def test_amp_builds_from_an_mmengine_config():
    wrapper = build_optim_wrapper(
        _model(),
        dict(
            type="AmpOptimWrapper",
            dtype="bfloat16",
            accumulative_counts=2,
            optimizer=dict(type="SGD", lr=0.001, momentum=0.9),
        ),
    )
    assert isinstance(wrapper, AmpOptimWrapper)
    assert wrapper.accumulative_counts == 2 and wrapper.cast_dtype is torch.bfloat16


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(dtype="float32"), ValueError, r"dtype must be one of \('float16', 'bfloat16'"),
        (dict(dtype=torch.float64), ValueError, "float16 or bfloat16"),
        (dict(loss_scale="static"), TypeError, "loss_scale must be 'dynamic'"),
    ],
)
def test_bad_amp_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        AmpOptimWrapper(optimizer=torch.optim.SGD(_model().parameters(), lr=0.1), **kwargs)
