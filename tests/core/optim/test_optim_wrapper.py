"""OptimWrapper: the update protocol, exact gradient accumulation, clipping, state."""

import copy

import pytest
import torch
import torch.distributed as dist
import torch.nn.functional as F
from support.optim_toys import snapshot, toy_data, toy_model
from torch import nn

from treadle.logging import MessageHub
from treadle.optim import OptimWrapper


def test_update_params_matches_hand_written_loop():
    xs, ys = toy_data(10)
    ours, theirs = toy_model(), toy_model()
    wrapper = OptimWrapper(torch.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9))
    optimizer = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    for x, y in zip(xs, ys, strict=True):
        wrapper.update_params(F.mse_loss(ours(x), y))
        loss = F.mse_loss(theirs(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    for a, b in zip(snapshot(ours), snapshot(theirs), strict=True):
        torch.testing.assert_close(a, b)
    assert snapshot(ours)[0].ne(snapshot(toy_model())[0]).any()  # it did train
    assert all(p.grad is None for p in ours.parameters())  # zeroed after the step


def _accumulated(windows: list[list[int]], xs, ys) -> list[torch.Tensor]:
    """Reference: one step per window on the mean loss of its samples."""
    model = toy_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for window in windows:
        optimizer.zero_grad()
        loss = torch.stack([F.mse_loss(model(xs[i]), ys[i]) for i in window]).mean()
        loss.backward()
        optimizer.step()
    return snapshot(model)


@pytest.mark.parametrize(("length", "epochs"), [(7, 1), (7, 2), (9, 1)])
def test_accumulation_is_exact_when_length_is_not_a_multiple(length, epochs):
    xs, ys = toy_data(length)
    counts = 3
    total = length * epochs
    model = toy_model()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), accumulative_counts=counts)
    wrapper.initialize_count_status(model, 0, total)
    steps = 0
    for _ in range(epochs):
        for x, y in zip(xs, ys, strict=True):
            with wrapper.optim_context(model):
                loss = F.mse_loss(model(x), y)
            wrapper.update_params(loss)
            steps += wrapper.should_update()
    order = [i % length for i in range(total)]
    windows = [order[i : i + counts] for i in range(0, total, counts)]
    assert steps == len(windows)
    for a, b in zip(snapshot(model), _accumulated(windows, xs, ys), strict=True):
        torch.testing.assert_close(a, b)


def test_without_count_status_the_last_window_is_scaled_by_the_full_count():
    xs, ys = toy_data(7)
    model = toy_model()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), accumulative_counts=3)
    for x, y in zip(xs, ys, strict=True):
        wrapper.update_params(F.mse_loss(model(x), y))
    # only two full windows stepped; the seventh sample's gradient waits for a third window
    expected = _accumulated([[0, 1, 2], [3, 4, 5]], xs, ys)
    for a, b in zip(snapshot(model), expected, strict=True):
        torch.testing.assert_close(a, b)
    assert all(p.grad is not None for p in model.parameters())


def test_resuming_mid_window_warns_and_past_the_end_is_an_error():
    model = toy_model()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), accumulative_counts=3)
    with pytest.warns(UserWarning, match="not a multiple of accumulative_counts=3"):
        wrapper.initialize_count_status(model, 4, 5)
    x, y = toy_data(1)
    wrapper.update_params(F.mse_loss(model(x), y))
    assert wrapper.inner_count == 5 and wrapper.should_update()
    with pytest.raises(RuntimeError, match="past max_counts=5"):
        wrapper.update_params(F.mse_loss(model(x), y))
    with pytest.raises(ValueError, match="max_counts"):
        wrapper.initialize_count_status(model, 6, 5)


def test_optim_context_skips_ddp_sync_inside_a_window(tmp_path):
    dist.init_process_group(
        "gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1
    )
    try:
        model = nn.parallel.DistributedDataParallel(toy_model())
        wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), accumulative_counts=2)
        wrapper.initialize_count_status(model, 0, 3)
        syncing = []
        xs, ys = toy_data(3)
        for x, y in zip(xs, ys, strict=True):
            with wrapper.optim_context(model):
                syncing.append(model.require_backward_grad_sync)
                loss = F.mse_loss(model(x[None]), y[None])
            wrapper.update_params(loss)
        # windows [0, 1] and [2]: sync on the last backward of each
        assert syncing == [False, True, True]
    finally:
        dist.destroy_process_group()


def test_clip_grad_by_norm_and_by_value():
    xs, ys = toy_data(4)
    model = toy_model()
    reference = copy.deepcopy(model)
    wrapper = OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=0.0), clip_grad=dict(max_norm=0.01)
    )
    loss = F.mse_loss(model(xs), ys)
    wrapper.backward(loss)
    wrapper.step()
    F.mse_loss(reference(xs), ys).backward()
    expected_norm = torch.nn.utils.clip_grad_norm_(reference.parameters(), 0.01)
    assert wrapper.grad_norm == pytest.approx(float(expected_norm))
    assert wrapper.grad_norm > 0.01
    # and logged, as MMEngine does, through the current message hub
    hub_norm = MessageHub.get_current_instance().get_scalar("train/grad_norm").current()
    assert hub_norm == pytest.approx(float(expected_norm))
    norm = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in model.parameters()]))
    assert float(norm) == pytest.approx(0.01, rel=1e-4)

    model = toy_model()
    wrapper = OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=0.0), clip_grad=dict(type="value", clip_value=1e-3)
    )
    wrapper.backward(F.mse_loss(model(xs), ys))
    wrapper.step()
    largest = max(float(p.grad.abs().max()) for p in model.parameters())
    assert largest == pytest.approx(1e-3)


@pytest.mark.parametrize(
    ("clip_grad", "error", "match"),
    [
        ({}, TypeError, "non-empty dict"),
        (dict(type="l2", max_norm=1), ValueError, "'norm' or 'value'"),
        (dict(max_nrom=1), TypeError, r"unknown keys \['max_nrom'\].*missing keys \['max_norm'\]"),
        (dict(type="value"), TypeError, r"missing keys \['clip_value'\]"),
    ],
)
def test_bad_clip_grad_is_named(clip_grad, error, match):
    optimizer = torch.optim.SGD(toy_model().parameters(), lr=0.1)
    with pytest.raises(error, match=match):
        OptimWrapper(optimizer, clip_grad=clip_grad)


def test_bad_optimizer_and_counts_are_named():
    with pytest.raises(TypeError, match=r"torch\.optim\.Optimizer instance, got dict"):
        OptimWrapper(dict(type="SGD", lr=0.1))
    with pytest.raises(ValueError, match="accumulative_counts must be an int >= 1, got 0"):
        OptimWrapper(torch.optim.SGD(toy_model().parameters(), lr=0.1), accumulative_counts=0)


def test_get_lr_and_momentum_for_sgd_and_adam():
    model = nn.Linear(1, 1)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    assert wrapper.get_lr() == {"lr": [0.01]}
    assert wrapper.get_momentum() == {"momentum": [0]}
    groups = [{"params": [model.weight]}, {"params": [model.bias], "lr": 0.5}]
    adam = OptimWrapper(torch.optim.Adam(groups, lr=0.1, betas=(0.8, 0.99)))
    assert adam.get_lr() == {"base_lr": [0.1], "lr": [0.1, 0.5]}  # several groups: base too
    assert adam.get_momentum() == {"momentum": [0.8, 0.8]}
    rprop = OptimWrapper(torch.optim.Rprop(model.parameters()))
    assert rprop.get_momentum() == {"momentum": [0]}


def test_state_dict_round_trips_into_a_new_wrapper():
    xs, ys = toy_data(5)
    model = toy_model()
    wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=0.01))
    for x, y in zip(xs, ys, strict=True):
        wrapper.update_params(F.mse_loss(model(x), y))
    state = wrapper.state_dict()
    assert set(state) == {"state", "param_groups"}
    clone = copy.deepcopy(model)
    fresh = OptimWrapper(torch.optim.Adam(clone.parameters(), lr=0.5))
    fresh.load_state_dict(copy.deepcopy(state))  # as a checkpoint would: no shared tensors
    assert fresh.get_lr() == {"lr": [0.01]}
    for a, b in zip(wrapper.optimizer.state.values(), fresh.optimizer.state.values(), strict=True):
        torch.testing.assert_close(a["exp_avg"], b["exp_avg"])
    # both continue identically
    wrapper.update_params(F.mse_loss(model(xs[0]), ys[0]))
    fresh.update_params(F.mse_loss(clone(xs[0]), ys[0]))
    for a, b in zip(snapshot(model), snapshot(clone), strict=True):
        torch.testing.assert_close(a, b)


def test_base_settings_follow_schedulers_and_round_trip():
    from treadle.optim import StepLR

    model = nn.Linear(1, 1)
    groups = [{"params": [model.weight]}, {"params": [model.bias], "lr": 0.5}]
    wrapper = OptimWrapper(torch.optim.SGD(groups, lr=0.1, momentum=0.9))
    scheduler = StepLR(wrapper, step_size=1, gamma=0.5)
    wrapper.step()
    scheduler.step()
    assert wrapper.get_lr() == {"base_lr": [0.05], "lr": [0.05, 0.25]}
    assert scheduler.get_last_value() == [0.05, 0.25, 0.05]
    state = copy.deepcopy(wrapper.state_dict())
    assert state["base_param_settings"]["lr"] == 0.05
    fresh_groups = [{"params": [model.weight]}, {"params": [model.bias], "lr": 0.5}]
    fresh = OptimWrapper(torch.optim.SGD(fresh_groups, lr=0.1, momentum=0.9))
    fresh.load_state_dict(state)
    assert fresh.get_lr() == {"base_lr": [0.05], "lr": [0.05, 0.25]}
    assert "base_param_settings" in state  # the caller's dict is not consumed
