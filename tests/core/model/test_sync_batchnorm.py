"""BatchNorm <-> SyncBatchNorm conversion keeps weights, statistics and outputs."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from treadle.model import convert_sync_batchnorm, revert_sync_batchnorm


def trained_net() -> nn.Sequential:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4), nn.Sequential(nn.BatchNorm1d(4)))
    net[1].train()
    for _ in range(3):
        net[1](torch.randn(2, 4, 5, 5) * 3 + 1)  # non-trivial running statistics
    with torch.no_grad():
        net[1].weight.uniform_(0.5, 2.0)
        net[1].bias.uniform_(-1.0, 1.0)
    return net.eval()


def test_round_trip_keeps_state_and_output():
    net = trained_net()
    x = torch.randn(2, 3, 5, 5)
    expected = net[1](net[0](x))
    running_mean = net[1].running_mean.clone()

    synced = convert_sync_batchnorm(net)
    assert isinstance(synced[1], nn.SyncBatchNorm) and isinstance(synced[2][0], nn.SyncBatchNorm)
    assert torch.equal(synced[1].running_mean, running_mean)
    assert synced[1].num_batches_tracked.item() == 3
    assert not synced[1].training

    reverted = revert_sync_batchnorm(synced)
    assert not any(isinstance(m, nn.SyncBatchNorm) for m in reverted.modules())
    assert isinstance(reverted[1], nn.modules.batchnorm._BatchNorm)
    torch.testing.assert_close(reverted[1](reverted[0](x)), expected)
    assert torch.equal(reverted[1].weight, net[1].weight)


def test_unknown_implementation_is_explained():
    with pytest.raises(ValueError, match="implementation must be 'torch'"):
        convert_sync_batchnorm(nn.BatchNorm2d(2), implementation="mmcv")
