"""Initialisers: functional helpers, registered configs, ``initialize`` with layer/override."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from treadle.model import (
    bias_init_with_prob,
    caffe2_xavier_init,
    constant_init,
    initialize,
    kaiming_init,
    normal_init,
    trunc_normal_init,
    uniform_init,
    xavier_init,
)
from treadle.registry import WEIGHT_INITIALIZERS


def big_conv(bias: bool = True) -> nn.Conv2d:
    # fan_in = 32*3*3 = 288, fan_out = 128*3*3 = 1152; 36,864 weights: tight statistics
    return nn.Conv2d(32, 128, 3, bias=bias)


def relative_error(value: float, expected: float) -> float:
    return abs(value - expected) / expected


def test_constant_init_sets_weight_and_bias_and_tolerates_missing_bias():
    conv = big_conv()
    constant_init(conv, 0.25, bias=-1.5)
    assert torch.all(conv.weight == 0.25)
    assert torch.all(conv.bias == -1.5)
    no_bias = big_conv(bias=False)
    constant_init(no_bias, 3.0)
    assert torch.all(no_bias.weight == 3.0) and no_bias.bias is None


def test_kaiming_default_is_fan_out_relu_normal():
    torch.manual_seed(0)
    conv = big_conv()
    kaiming_init(conv, bias=0.5)
    std = conv.weight.std().item()
    assert relative_error(std, math.sqrt(2 / 1152)) < 0.03
    assert relative_error(std, math.sqrt(2 / 288)) > 0.4  # fan_in would be twice as wide
    assert torch.all(conv.bias == 0.5)
    kaiming_init(conv, mode="fan_in", distribution="uniform")
    bound = math.sqrt(6 / 288)
    assert conv.weight.abs().max().item() <= bound
    assert conv.weight.abs().max().item() > 0.95 * bound


def test_xavier_normal_and_uniform_spread():
    torch.manual_seed(1)
    conv = big_conv()
    xavier_init(conv, gain=2.0)
    assert relative_error(conv.weight.std().item(), 2.0 * math.sqrt(2 / (288 + 1152))) < 0.03
    xavier_init(conv, distribution="uniform")
    bound = math.sqrt(6 / (288 + 1152))
    assert bound * 0.95 < conv.weight.abs().max().item() <= bound
    with pytest.raises(ValueError, match="'uniform' or 'normal'"):
        xavier_init(conv, distribution="gaussian")


def test_normal_trunc_normal_and_uniform_statistics():
    torch.manual_seed(2)
    conv = big_conv()
    normal_init(conv, mean=1.0, std=0.1, bias=2.0)
    assert abs(conv.weight.mean().item() - 1.0) < 0.005
    assert relative_error(conv.weight.std().item(), 0.1) < 0.03
    assert torch.all(conv.bias == 2.0)

    trunc_normal_init(conv, mean=0.0, std=1.0, a=-0.5, b=0.5)
    assert conv.weight.min().item() >= -0.5 and conv.weight.max().item() <= 0.5
    # N(0,1) truncated to [-0.5, 0.5] has std ~0.2866 (a plain N(0,1) would give 1)
    assert relative_error(conv.weight.std().item(), 0.2866) < 0.03

    uniform_init(conv, a=2.0, b=4.0)
    assert conv.weight.min().item() >= 2.0 and conv.weight.max().item() <= 4.0
    assert abs(conv.weight.mean().item() - 3.0) < 0.02


def test_caffe2_xavier_is_kaiming_uniform_fan_in_a1():
    torch.manual_seed(3)
    conv = big_conv()
    caffe2_xavier_init(conv)
    bound = math.sqrt(3 / 288)  # gain sqrt(2/(1+a^2)) = 1 for leaky_relu with a=1
    assert bound * 0.95 < conv.weight.abs().max().item() <= bound


def test_bias_init_with_prob_inverts_sigmoid():
    bias = bias_init_with_prob(0.01)
    assert torch.sigmoid(torch.tensor(bias)).item() == pytest.approx(0.01)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        bias_init_with_prob(1.0)


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4, 2)
        self.head = nn.Linear(2, 2)


class MyConv(nn.Conv2d):
    """A subclass: ``layer='Conv2d'`` matches it through its base class name."""


def test_layer_selects_by_class_or_direct_base_name():
    net = Net()
    net.extra = MyConv(1, 1, 1)
    initialize(net, dict(type="Constant", layer="Conv2d", val=1.0, bias=2.0))
    assert torch.all(net.conv.weight == 1) and torch.all(net.conv.bias == 2)
    assert torch.all(net.extra.weight == 1)
    assert not torch.all(net.fc.weight == 1)
    initialize(net, [dict(type="Constant", layer=["Linear"], val=3.0)])
    assert torch.all(net.fc.weight == 3) and torch.all(net.head.weight == 3)
    assert torch.all(net.conv.weight == 1)


def test_bias_prob_sets_the_bias():
    net = Net()
    initialize(net, dict(type="Normal", layer="Linear", std=0.01, bias_prob=0.01))
    assert torch.allclose(net.fc.bias, torch.full((2,), bias_init_with_prob(0.01)))


def test_override_initialises_named_submodule_with_its_own_cfg():
    net = Net()
    cfg = dict(
        type="Constant",
        layer="Linear",
        val=1.0,
        override=dict(type="Constant", name="head", val=5.0, bias=-1.0),
    )
    initialize(net, cfg)
    assert torch.all(net.fc.weight == 1)
    assert torch.all(net.head.weight == 5) and torch.all(net.head.bias == -1)
    assert "override" in cfg  # the caller's cfg is not consumed


def test_override_with_only_a_name_reuses_outer_arguments_on_the_whole_module():
    net = Net()
    initialize(net, dict(type="Constant", layer="Linear", val=7.0, override=dict(name="conv")))
    assert torch.all(net.conv.weight == 7)  # Conv2d, although layer says Linear
    assert torch.all(net.fc.weight == 7)


@pytest.mark.parametrize(
    ("override", "error", "match"),
    [
        (dict(type="Constant", val=1.0), ValueError, "needs a 'name'"),
        (dict(name="head", val=1.0), ValueError, "no 'type'"),
        (dict(name="tail", type="Constant", val=1.0), AttributeError, "children: conv, fc"),
        ("head", TypeError, "dict or a list of dicts"),
    ],
)
def test_bad_override_is_explained(override, error, match):
    with pytest.raises(error, match=match):
        initialize(Net(), dict(type="Constant", layer="Linear", val=0.0, override=override))


def test_bad_initialiser_arguments_are_explained():
    with pytest.raises(TypeError, match="layer must be a class name"):
        WEIGHT_INITIALIZERS.build(dict(type="Constant", val=1, layer=3))
    with pytest.raises(TypeError, match="bias_prob must be a float"):
        WEIGHT_INITIALIZERS.build(dict(type="Constant", val=1, bias_prob=1))
    with pytest.raises(TypeError, match="init_cfg must be a dict or a list"):
        initialize(Net(), "Constant")


def test_registered_names_match_mmengine():
    expected = {"Constant", "Xavier", "Normal", "TruncNormal", "Uniform", "Kaiming", "Pretrained"}
    assert expected <= set(WEIGHT_INITIALIZERS.module_dict)
    assert {"Caffe2Xavier"} <= set(WEIGHT_INITIALIZERS.module_dict)
