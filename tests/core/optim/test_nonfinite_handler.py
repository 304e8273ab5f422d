"""OptimWrapper.nonfinite_loss_handler, and update_params' shortcut for the plain case
(one backward per step, no clipping) against the general path and hand-written SGD, and
protocol methods overridden in a subclass or replaced on a wrapper."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from support.optim_toys import snapshot, toy_data, toy_model
from torch import nn

from treadle.optim import OptimWrapper


def _wrapper(model: nn.Module, **kwargs) -> OptimWrapper:
    return OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9), **kwargs)


def _assert_params_equal(a: list[torch.Tensor], b: list[torch.Tensor]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        torch.testing.assert_close(x, y)


# ----------------------------------------------------------------------- the handler
def test_no_handler_by_default_nan_is_back_propagated():
    model = toy_model()
    wrapper = _wrapper(model)
    assert wrapper.nonfinite_loss_handler is None
    x, y = toy_data(2)
    wrapper.update_params(F.mse_loss(model(x), y) * float("nan"))
    assert all(torch.isnan(p).all() for p in model.parameters())


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("kwargs", [{}, {"accumulative_counts": 2}, {"clip_grad": {"max_norm": 1}}])
def test_handler_that_returns_skips_the_step(bad, kwargs):
    model = toy_model()
    wrapper = _wrapper(model, **kwargs)
    calls: list[tuple] = []
    wrapper.nonfinite_loss_handler = lambda w, loss: calls.append((w, loss))
    x, y = toy_data(4)
    wrapper.update_params(F.mse_loss(model(x), y))  # a finite step first: optimizer state
    assert calls == []
    before = snapshot(model)
    momentum = [wrapper.optimizer.state[p].get("momentum_buffer") for p in model.parameters()]
    momentum = [m.clone() if m is not None else None for m in momentum]
    inner = wrapper.inner_count
    loss = F.mse_loss(model(x), y) * bad
    wrapper.update_params(loss)
    assert len(calls) == 1 and calls[0][0] is wrapper and calls[0][1] is loss
    _assert_params_equal(snapshot(model), before)
    assert all(p.grad is None or not p.grad.any() for p in model.parameters())
    assert wrapper.inner_count == inner  # no backward counted
    for p, m in zip(model.parameters(), momentum, strict=True):
        state = wrapper.optimizer.state[p].get("momentum_buffer")
        assert (state is None) == (m is None)
        if m is not None:
            torch.testing.assert_close(state, m)


def test_handler_that_raises_propagates_and_nothing_changes():
    class Stop(Exception):
        pass

    def handler(wrapper, loss):
        raise Stop(f"bad loss {loss.item()}")

    model = toy_model()
    wrapper = _wrapper(model)
    wrapper.nonfinite_loss_handler = handler
    before = snapshot(model)
    x, y = toy_data(2)
    with pytest.raises(Stop, match="bad loss nan"):
        wrapper.update_params(F.mse_loss(model(x), y) * float("nan"))
    _assert_params_equal(snapshot(model), before)
    assert all(p.grad is None for p in model.parameters())


def test_finite_losses_do_not_call_the_handler_and_train_as_without_it():
    xs, ys = toy_data(6)
    guarded, plain = toy_model(), toy_model()
    calls: list = []
    wrapper = _wrapper(guarded)
    wrapper.nonfinite_loss_handler = lambda w, loss: calls.append(loss)
    other = _wrapper(plain)
    for x, y in zip(xs, ys, strict=True):
        wrapper.update_params(F.mse_loss(guarded(x), y))
        other.update_params(F.mse_loss(plain(x), y))
    assert calls == []
    _assert_params_equal(snapshot(guarded), snapshot(plain))


# -------------------------------------------------- the shortcut and the general path
def _hand_written(steps: int, accumulate: int = 1, max_norm: float | None = None):
    """Parameters after each step, with plain torch: SGD with momentum."""
    xs, ys = toy_data(steps)
    model = toy_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    after = []
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        (F.mse_loss(model(x), y) / accumulate).backward()
        if (i + 1) % accumulate == 0:
            if max_norm is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
            optimizer.step()
            optimizer.zero_grad()
        after.append(snapshot(model))
    return after


def _wrapped(steps: int, **kwargs):
    xs, ys = toy_data(steps)
    model = toy_model()
    wrapper = _wrapper(model, **kwargs)
    after = []
    for x, y in zip(xs, ys, strict=True):
        wrapper.update_params(F.mse_loss(model(x), y))
        after.append(snapshot(model))
    return wrapper, after


def test_plain_case_matches_hand_written_sgd():
    wrapper, after = _wrapped(6)
    for ours, theirs in zip(after, _hand_written(6), strict=True):
        _assert_params_equal(ours, theirs)
    assert wrapper.inner_count == 6
    assert all(p.grad is None for p in wrapper.optimizer.param_groups[0]["params"])


def test_accumulation_matches_hand_written_sgd():
    wrapper, after = _wrapped(6, accumulative_counts=2)
    for ours, theirs in zip(after, _hand_written(6, accumulate=2), strict=True):
        _assert_params_equal(ours, theirs)
    assert wrapper.inner_count == 6


def test_clipping_matches_hand_written_sgd():
    wrapper, after = _wrapped(6, clip_grad=dict(max_norm=0.05))
    for ours, theirs in zip(after, _hand_written(6, max_norm=0.05), strict=True):
        _assert_params_equal(ours, theirs)
    assert wrapper.grad_norm is not None and wrapper.grad_norm > 0.05  # it did clip
    _, unclipped = _wrapped(6)
    assert not torch.equal(after[-1][0], unclipped[-1][0])


def test_clip_grad_max_norm_one_matches_hand_written_sgd():
    _, after = _wrapped(5, clip_grad=dict(max_norm=1.0))
    for ours, theirs in zip(after, _hand_written(5, max_norm=1.0), strict=True):
        _assert_params_equal(ours, theirs)


def test_step_and_zero_kwargs_take_the_general_path():
    xs, ys = toy_data(3)
    model = toy_model()
    wrapper = _wrapper(model)
    for x, y in zip(xs, ys, strict=True):
        wrapper.update_params(F.mse_loss(model(x), y), zero_kwargs=dict(set_to_none=False))
    assert all(p.grad is not None and not p.grad.any() for p in model.parameters())
    reference = _hand_written(3)[-1]
    _assert_params_equal(snapshot(model), reference)


def test_subclass_overriding_step_is_called():
    class Counting(OptimWrapper):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self.steps = 0
            self.zeroed = 0

        def step(self, **kwargs) -> None:
            self.steps += 1
            super().step(**kwargs)

        def zero_grad(self, **kwargs) -> None:
            self.zeroed += 1
            super().zero_grad(**kwargs)

    xs, ys = toy_data(4)
    model = toy_model()
    wrapper = Counting(torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
    for x, y in zip(xs, ys, strict=True):
        wrapper.update_params(F.mse_loss(model(x), y))
    assert wrapper.steps == 4 and wrapper.zeroed == 4
    _assert_params_equal(snapshot(model), _hand_written(4)[-1])


def test_subclass_overriding_backward_is_called():
    class Scaled(OptimWrapper):
        backwards = 0

        def backward(self, loss, **kwargs) -> None:
            type(self).backwards += 1
            super().backward(loss, **kwargs)

    xs, ys = toy_data(3)
    model = toy_model()
    wrapper = Scaled(torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
    for x, y in zip(xs, ys, strict=True):
        wrapper.update_params(F.mse_loss(model(x), y))
    assert Scaled.backwards == 3 and wrapper.inner_count == 3


@pytest.mark.parametrize("name", ["backward", "step", "zero_grad"])
def test_update_params_calls_a_protocol_method_replaced_on_the_wrapper(name):
    model = toy_model()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    calls: list[str] = []
    original = getattr(wrapper, name)

    def replaced(*args, **kwargs):
        calls.append(name)
        return original(*args, **kwargs)

    setattr(wrapper, name, replaced)
    xs, ys = toy_data(3)
    for x, y in zip(xs, ys, strict=True):
        wrapper.update_params(F.mse_loss(model(x), y))
    assert calls == [name] * 3
    assert snapshot(model)[0].ne(snapshot(toy_model())[0]).any()  # the update still happened
