"""Flops and activations of each counted operator, worked out by hand from its shapes."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from treadle.analysis import ActivationAnalyzer, FlopAnalyzer, flop_count


class Call(nn.Module):
    """A module whose forward is ``fn`` (so a single functional call can be analysed)."""

    def __init__(self, fn, **modules: nn.Module) -> None:
        super().__init__()
        self.fn = fn
        for name, module in modules.items():
            self.add_module(name, module)

    def forward(self, *args):
        return self.fn(self, *args)


def flops(model: nn.Module, *inputs: torch.Tensor) -> dict[str, int]:
    return dict(FlopAnalyzer(model, inputs).unsupported_ops_warnings(False).by_operator())


def acts(model: nn.Module, *inputs: torch.Tensor) -> dict[str, int]:
    return dict(ActivationAnalyzer(model, inputs).unsupported_ops_warnings(False).by_operator())


def test_the_guide_convolution_example() -> None:
    # Conv2d(3, 10, 3) on 1x3x10x10: output 1x10x8x8, each output 3*3*3 multiply-adds
    conv = nn.Conv2d(3, 10, 3)
    x = torch.randn(1, 3, 10, 10)
    assert flops(conv, x) == {"conv": 10 * 8 * 8 * 3 * 3 * 3}  # 17280
    assert acts(conv, x) == {"conv": 10 * 8 * 8}  # 640


def test_grouped_and_transposed_convolutions() -> None:
    grouped = nn.Conv2d(8, 8, 3, padding=1, groups=4)  # weight 8x2x3x3
    assert flops(grouped, torch.randn(2, 8, 5, 5)) == {"conv": 2 * (8 * 2 * 9) * 25}
    up = nn.ConvTranspose2d(4, 6, 2, stride=2)  # weight 4x6x2x2, visits the 3x3 input
    assert flops(up, torch.randn(1, 4, 3, 3)) == {"conv": 1 * (4 * 6 * 4) * 9}
    conv1d = nn.Conv1d(2, 3, 3)
    assert flops(conv1d, torch.randn(1, 2, 7)) == {"conv": (3 * 2 * 3) * 5}


@pytest.mark.parametrize("bias", [True, False])
def test_linear_on_a_batch_of_sequences(bias: bool) -> None:
    fc = nn.Linear(16, 4, bias=bias)
    x = torch.randn(2, 5, 16)
    assert flops(fc, x) == {"linear": 2 * 5 * 16 * 4}
    assert acts(fc, x) == {"linear": 2 * 5 * 4}


def test_matrix_products() -> None:
    a, b = torch.randn(3, 4, 5), torch.randn(3, 5, 6)
    assert flops(Call(lambda m, a, b: torch.bmm(a, b)), a, b) == {"bmm": 3 * 4 * 5 * 6}
    assert flops(Call(lambda m, a, b: a @ b), a, b) == {"matmul": 3 * 4 * 5 * 6}
    vec = torch.randn(5)
    assert flops(Call(lambda m, a, v: a.matmul(v)), a, vec) == {"matmul": 3 * 4 * 5}
    m1, m2, bias = torch.randn(4, 5), torch.randn(5, 6), torch.randn(6)
    assert flops(Call(lambda m, *t: torch.addmm(*t)), bias, m1, m2) == {"addmm": 4 * 5 * 6}
    assert acts(Call(lambda m, *t: torch.addmm(*t)), bias, m1, m2) == {"addmm": 4 * 6}
    assert flops(Call(lambda m, a, b: torch.mm(a, b)), m1, m2) == {"mm": 4 * 5 * 6}
    assert acts(Call(lambda m, a, b: torch.mm(a, b)), m1, m2) == {}  # mm has no activation handle


def test_einsum_batched_forms_and_a_general_contraction() -> None:
    x, y = torch.randn(2, 3, 4), torch.randn(2, 3, 5)
    assert flops(Call(lambda m, x, y: torch.einsum("nct,ncp->ntp", x, y)), x, y) == {
        "einsum": 2 * 3 * 4 * 5
    }
    q, k = torch.randn(2, 6, 3, 4), torch.randn(2, 7, 3, 4)  # b q h d, b k h d
    result = flops(Call(lambda m, q, k: torch.einsum("bqhd,bkhd->bhqk", q, k)), q, k)
    assert result == {"einsum": 2 * 6 * 7 * 3 * 4}  # one multiply-add per (b, q, k, h, d)


def test_norms_in_training_and_in_inference() -> None:
    x = torch.randn(2, 4, 3, 3)
    numel = x.numel()
    bn = nn.BatchNorm2d(4)
    assert flops(bn, x) == {"batch_norm": numel * 5}  # training: statistics, then affine
    assert flops(bn.eval(), x) == {"batch_norm": numel * 2}  # fixed statistics: scale, shift
    assert flops(nn.BatchNorm2d(4, affine=False).eval(), x) == {"batch_norm": numel}
    assert flops(nn.GroupNorm(2, 4), x) == {"group_norm": numel * 5}
    assert flops(nn.InstanceNorm2d(4), x) == {"instance_norm": numel * 4}
    seq = torch.randn(2, 5, 8)
    assert flops(nn.LayerNorm(8), seq) == {"layer_norm": seq.numel() * 5}
    assert flops(nn.LayerNorm(8, elementwise_affine=False), seq) == {"layer_norm": seq.numel() * 4}


def test_resampling() -> None:
    x = torch.randn(1, 2, 4, 4)
    nearest = Call(lambda m, x: F.interpolate(x, scale_factor=2, mode="nearest"))
    assert flops(nearest, x) == {"upsample_nearest2d": 2 * 8 * 8}
    bilinear = Call(lambda m, x: F.interpolate(x, size=(6, 6), mode="bilinear"))
    assert flops(bilinear, x) == {"upsample_bilinear2d": 2 * 6 * 6 * 4}
    area = Call(lambda m, x: F.interpolate(x, size=(2, 2), mode="area"))
    assert flops(area, x) == {"adaptive_avg_pool2d": x.numel()}
    assert flops(nn.AdaptiveAvgPool2d(1), x) == {"adaptive_avg_pool2d": x.numel()}
    grid = torch.zeros(1, 3, 5, 2)
    sample = Call(lambda m, x, g: F.grid_sample(x, g, align_corners=False))
    assert flops(sample, x, grid) == {"grid_sampler": 2 * 3 * 5 * 4}


def test_multi_head_attention_is_looked_into() -> None:
    # pure-Python F.multi_head_attention_forward: its projections and two batched products
    attn = Call(lambda m, x: m.mha(x, x, x)[0], mha=nn.MultiheadAttention(8, 2))
    x = torch.randn(5, 1, 8)  # sequence 5, batch 1, width 8, 2 heads of 4
    projections = 5 * 8 * 24 + 5 * 8 * 8  # q/k/v in one product, then the output
    products = 2 * (2 * 5 * 4 * 5)  # per head: scores 5x4 @ 4x5, then 5x5 @ 5x4
    analyzer = FlopAnalyzer(attn, (x,)).unsupported_ops_warnings(False)
    assert analyzer.total() == projections + products
    assert analyzer.by_operator()["bmm"] == products


def test_flop_count_reports_gflops_and_what_it_could_not_count() -> None:
    model = nn.Sequential(nn.Linear(1000, 1000), nn.Softmax(-1))
    gflops, unsupported = flop_count(model, (torch.randn(10, 1000),))
    assert gflops == {"linear": 10 * 1000 * 1000 / 1e9}
    assert unsupported == {"aten::softmax": 1}
