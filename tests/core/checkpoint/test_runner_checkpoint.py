"""A checkpoint shaped as the Runner makes it round-trips under weights_only=True, and
resuming from it continues training bitwise like an unbroken run (RNG included)."""

from __future__ import annotations

import random

import numpy as np
import torch
from torch import nn

from treadle.logging import MessageHub
from treadle.optim import OptimWrapper, StepLR
from treadle.runner.checkpoint import (
    _load_checkpoint,
    get_state_dict,
    load_checkpoint,
    rng_state,
    save_checkpoint,
    set_rng_state,
    weights_to_cpu,
)

CONFIG_TEXT = "model = dict(type='Toy')\noptim_wrapper = dict(optimizer=dict(type='SGD'))\n"


def _parts(seed: int = 0):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(8, 16), nn.Dropout(0.5), nn.BatchNorm1d(16), nn.Linear(16, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    wrapper = OptimWrapper(optimizer, clip_grad=dict(max_norm=1.0))
    scheduler = StepLR(optimizer, step_size=2, gamma=0.5)
    return model, wrapper, scheduler


def _train(model, wrapper, scheduler, steps: int) -> None:
    """Steps whose result depends on every RNG: torch (data, dropout), numpy and random."""
    model.train()
    for _ in range(steps):
        x = torch.randn(4, 8) * float(np.random.uniform(0.5, 1.5))
        y = torch.randn(4, 1) + random.random()
        loss = nn.functional.mse_loss(model(x), y)
        wrapper.update_params(loss)
        scheduler.step()


def _message_hub(epoch: int) -> MessageHub:
    hub = MessageHub.get_instance(f"checkpoint-test-{epoch}")
    hub.update_scalar("train/loss", 0.5)
    hub.update_scalar("train/loss", np.float32(0.25))
    hub.update_info("epoch", epoch)
    hub.update_info("max_iters", np.int64(60))
    return hub


def _checkpoint(model, wrapper, scheduler, epoch: int) -> dict:
    return {
        "meta": {
            "seed": 0,
            "epoch": epoch,
            "iter": epoch * 3,
            "dataset_meta": {"classes": ["cat", "dog"], "palette": [[0, 0, 0], [255, 0, 0]]},
            "cfg": CONFIG_TEXT,
            "experiment_name": "toy_20261122",
            "treadle_version": "0.1.0",
            "rng": rng_state(),
        },
        "state_dict": weights_to_cpu(get_state_dict(model)),
        "optimizer": wrapper.state_dict(),
        "param_schedulers": [scheduler.state_dict()],
        "message_hub": _message_hub(epoch).state_dict(),
    }


def test_runner_checkpoint_loads_with_weights_only_and_resumes_bitwise(tmp_path):
    np.random.seed(1)
    random.seed(1)
    model, wrapper, scheduler = _parts()
    _train(model, wrapper, scheduler, 3)
    path = tmp_path / "epoch_1.pth"
    save_checkpoint(_checkpoint(model, wrapper, scheduler, epoch=1), path)
    _train(model, wrapper, scheduler, 4)  # the unbroken run goes on

    random.seed(42)  # a fresh process: every generator elsewhere
    np.random.seed(42)
    resumed_model, resumed_wrapper, resumed_scheduler = _parts(seed=123)
    checkpoint = load_checkpoint(resumed_model, path, strict=True, logger="silent")
    resumed_wrapper.load_state_dict(checkpoint["optimizer"])
    resumed_scheduler.load_state_dict(checkpoint["param_schedulers"][0])
    set_rng_state(checkpoint["meta"]["rng"])
    _train(resumed_model, resumed_wrapper, resumed_scheduler, 4)

    for key, value in model.state_dict().items():
        assert torch.equal(resumed_model.state_dict()[key], value), key
    assert resumed_wrapper.get_lr() == wrapper.get_lr()
    meta = _load_checkpoint(path)["meta"]  # weights_only=True by default
    assert meta["cfg"] == CONFIG_TEXT
    assert meta["dataset_meta"]["classes"] == ["cat", "dog"]
    resumed_hub = MessageHub.get_instance("checkpoint-test-resumed")
    resumed_hub.load_state_dict(checkpoint["message_hub"])
    assert resumed_hub.get_info("max_iters") == 60
    assert resumed_hub.get_scalar("train/loss").mean() == 0.375


def test_rng_state_round_trips_through_a_weights_only_checkpoint(tmp_path):
    random.seed(5)
    np.random.seed(5)
    torch.manual_seed(5)
    np.random.normal()  # leaves a cached Gaussian in numpy's state
    save_checkpoint({"rng": rng_state()}, tmp_path / "rng.pth")
    expected = (random.random(), np.random.normal(), np.random.rand(3).tolist(), torch.rand(3))
    random.seed(99)
    np.random.seed(99)
    torch.manual_seed(99)
    set_rng_state(_load_checkpoint(tmp_path / "rng.pth", weights_only=True)["rng"])
    got = (random.random(), np.random.normal(), np.random.rand(3).tolist(), torch.rand(3))
    assert got[:3] == expected[:3]
    assert torch.equal(got[3], expected[3])


def test_rng_state_holds_only_plain_data_and_tensors():
    def plain(value) -> bool:
        if isinstance(value, (list, tuple)):
            return all(plain(v) for v in value)
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        return value is None or type(value) in (int, float, str, bool, torch.Tensor)

    assert plain(rng_state())
