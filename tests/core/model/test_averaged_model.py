"""EMA / SWA / momentum-annealing EMA against their closed forms."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from treadle.model import ExponentialMovingAverage, MomentumAnnealingEMA, StochasticWeightAverage
from treadle.registry import MODELS


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.bn = nn.BatchNorm1d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.fc(x))


def set_weights(model: Net, value: float) -> None:
    with torch.no_grad():
        for param in model.parameters():
            param.fill_(value)
        model.bn.running_mean.fill_(value)


def test_ema_after_n_updates_equals_the_closed_form():
    momentum, values = 0.1, [1.0, 2.0, 4.0, 8.0, 16.0]
    source = Net()
    ema = ExponentialMovingAverage(source, momentum=momentum)
    for value in values:
        set_weights(source, value)
        ema.update_parameters(source)
    # step 0 copies v0; each later step: avg = (1 - m) * avg + m * v
    n = len(values) - 1
    expected = (1 - momentum) ** n * values[0] + sum(
        momentum * (1 - momentum) ** (n - i) * v for i, v in enumerate(values) if i > 0
    )
    assert torch.allclose(ema.module.fc.weight, torch.full((2, 2), expected))
    assert ema.steps.item() == len(values)
    assert not ema.module.fc.weight.requires_grad
    # buffers are copied, not averaged, by default
    assert torch.all(ema.module.bn.running_mean == values[-1])
    assert source.fc.weight.requires_grad  # the source model is untouched


def test_ema_with_update_buffers_averages_buffers_too():
    source = Net()
    ema = ExponentialMovingAverage(source, momentum=0.5, update_buffers=True)
    for value in (2.0, 4.0):
        set_weights(source, value)
        ema.update_parameters(source)
    assert torch.all(ema.module.bn.running_mean == 3.0)
    assert ema.module.bn.num_batches_tracked.item() == 0  # integer buffers are copied once


def test_swa_is_the_mean_of_the_sampled_weights():
    source = Net()
    swa = StochasticWeightAverage(source, interval=2)
    sampled = []
    for step, value in enumerate([1.0, 5.0, 3.0, 7.0, 8.0]):
        set_weights(source, value)
        swa.update_parameters(source)
        if step % 2 == 0:  # steps 0, 2, 4 are averaged; 1, 3 skipped
            sampled.append(value)
    assert torch.allclose(swa.module.fc.bias, torch.full((2,), sum(sampled) / len(sampled)))


def test_momentum_annealing_starts_fast_then_uses_momentum():
    source = Net()
    ema = MomentumAnnealingEMA(source, momentum=0.01, gamma=2)
    expected = 0.0
    for step, value in enumerate([0.0, 10.0, 20.0, 30.0, 40.0, 50.0]):
        set_weights(source, value)
        ema.update_parameters(source)
        if step == 0:
            expected = value
        else:
            m = max(0.01, 2 / (2 + step))
            expected = (1 - m) * expected + m * value
    assert torch.allclose(ema.module.fc.weight, torch.full((2, 2), expected))


def test_forward_runs_the_averaged_copy_and_registry_builds_it():
    source = Net().eval()
    ema = MODELS.build(dict(type="ExponentialMovingAverage", model=source, momentum=0.5))
    ema.update_parameters(source)
    x = torch.randn(3, 2)
    torch.testing.assert_close(ema(x), source(x))  # the first update copies the source
    with torch.no_grad():
        source.fc.weight.add_(1.0)
    assert not torch.allclose(ema(x), source(x))


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match=r"momentum must lie in \(0, 1\)"):
        ExponentialMovingAverage(Net(), momentum=1.5)
    with pytest.warns(UserWarning, match="weight of the new value"):
        ExponentialMovingAverage(Net(), momentum=0.9)
    with pytest.raises(ValueError, match="interval must be a positive int"):
        StochasticWeightAverage(Net(), interval=0)
