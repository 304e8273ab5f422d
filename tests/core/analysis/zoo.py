"""Small models covering what the complexity analysis counts, for the tests and the parity
check against MMEngine (``mmengine_parity.py``). Built with plain torch: no torchvision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


class InnerNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(10, 10)
        self.fc2 = nn.Linear(10, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc1(self.fc2(x))


class TestNet(nn.Module):
    """The user guide's example: 0.4K flops, 40 activations, 0.44K parameters."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(10, 10)
        self.fc2 = nn.Linear(10, 10)
        self.inner = InnerNet()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc1(self.fc2(self.inner(x)))


class Bottleneck(nn.Module):
    def __init__(self, channels: int, width: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, width * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(width * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or channels != width * 4:
            self.downsample = nn.Sequential(
                nn.Conv2d(channels, width * 4, 1, stride, bias=False), nn.BatchNorm2d(width * 4)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + identity)


class TinyResNet(nn.Module):
    """A ResNet shape: stem, two stages of bottlenecks, global pooling, classifier."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(Bottleneck(16, 8), Bottleneck(32, 8))
        self.layer2 = nn.Sequential(Bottleneck(32, 16, stride=2), Bottleneck(64, 16))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class Attention(nn.Module):
    """Matrix products every way: einsum (both special forms and a general one), matmul
    with broadcasting and 1-d operands, bmm, mm, addmm, and a bias-free linear."""

    def __init__(self, dim: int = 16, heads: int = 2) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3, bias=False)
        self.proj = nn.Linear(dim, dim)
        self.norm = nn.LayerNorm(dim)
        self.scale = nn.Parameter(torch.ones(dim))
        self.table = nn.Parameter(torch.randn(dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, n, 3, self.heads, c // self.heads).unbind(2)
        attn = torch.einsum("bqhd,bkhd->bhqk", q, k).softmax(-1)
        out = torch.einsum("bhqk,bkhd->bqhd", attn, v).reshape(b, n, c)
        out = out + x @ torch.einsum("abc,abd->acd", x, x)
        out = out + torch.einsum("abc,adc->adb", x, x) @ x
        out = out + torch.matmul(x, self.table) + x.matmul(self.scale).unsqueeze(-1)
        flat = out.reshape(b * n, c)
        mixed = torch.addmm(self.scale, flat, self.table) + torch.mm(flat, self.table)
        out = out + torch.bmm(mixed.reshape(b, n, c), x.transpose(1, 2)) @ x
        return self.proj(out)


class EncoderLayer(nn.Module):
    """torch's multi-head attention (looked into) and a feed-forward block."""

    def __init__(self, dim: int = 16) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(dim, 2, batch_first=True)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim, elementwise_affine=False)
        self.ffn = nn.Sequential(nn.Linear(dim, 32), nn.GELU(), nn.Dropout(0.1), nn.Linear(32, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm1(x + self.attn(x, x, x)[0])
        return self.norm2(x + self.ffn(x))


class UpDown(nn.Module):
    """Group and instance norms, transposed and 1-d/3-d convolutions, interpolation of
    several modes, grid sampling and adaptive pooling to a grid."""

    def __init__(self) -> None:
        super().__init__()
        self.down = nn.Conv2d(3, 8, 3, 2, 1)
        self.gn = nn.GroupNorm(2, 8)
        self.inorm = nn.InstanceNorm2d(8, affine=True)
        self.inorm_plain = nn.InstanceNorm2d(8)
        self.up = nn.ConvTranspose2d(8, 4, 2, 2)
        self.pool = nn.AdaptiveAvgPool2d(3)
        self.conv1d = nn.Conv1d(4, 4, 3, padding=1, groups=2)
        self.conv3d = nn.Conv3d(1, 2, 3, padding=1)
        self.bn1d = nn.BatchNorm1d(4, affine=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.inorm_plain(self.inorm(self.gn(self.down(x))))
        y = self.up(y)
        near = F.interpolate(y, scale_factor=2, mode="nearest")
        bil = F.interpolate(y, size=near.shape[-2:], mode="bilinear", align_corners=False)
        area = F.interpolate(bil, scale_factor=0.5, mode="area")
        grid = torch.zeros(y.shape[0], 5, 5, 2)
        sampled = F.grid_sample(area, grid, align_corners=False)
        pooled = self.pool(sampled + 1)
        seq = self.bn1d(self.conv1d(pooled.flatten(2)))
        vol = self.conv3d(seq.unsqueeze(1))
        return vol.mean() + near.mean() + F.adaptive_avg_pool2d(y, 2).sum()


class Shared(nn.Module):
    """A module under two names, one never called, one reached through .forward(), and an
    identity: the cases of uncalled modules and aliases."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.alias = self.fc
        self.unused = nn.Linear(8, 8)
        self.direct = nn.Linear(8, 4)
        self.skip = nn.Identity()
        self.blocks = nn.ModuleList([nn.Linear(8, 8), nn.Linear(8, 8)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.alias(self.fc(self.skip(x)))
        for block in self.blocks:
            x = block(x)
        return self.direct.forward(x)


class TwoInputs(nn.Module):
    """A forward of two tensors and a mode, as a BaseModel's."""

    def __init__(self) -> None:
        super().__init__()
        self.image = nn.Conv2d(3, 4, 3)
        self.text = nn.Linear(6, 4)

    def forward(self, image: torch.Tensor, text: torch.Tensor, mode: str = "tensor") -> Any:
        return self.image(image).mean((2, 3)) + self.text(text)


def _eval(model: nn.Module) -> nn.Module:
    return model.eval()


# name -> (model factory, input shape as get_model_complexity_info takes it)
CASES: dict[str, tuple[Callable[[], nn.Module], Any]] = {
    "guide_testnet": (TestNet, (10,)),
    "resnet_train": (TinyResNet, (3, 32, 32)),
    "resnet_eval": (lambda: _eval(TinyResNet()), (3, 32, 32)),
    "attention": (Attention, (5, 16)),
    "encoder_layer": (EncoderLayer, (6, 16)),
    "encoder_layer_eval": (lambda: _eval(EncoderLayer()), (6, 16)),
    "updown": (UpDown, (3, 16, 16)),
    "updown_eval": (lambda: _eval(UpDown()), (3, 16, 16)),
    "shared": (Shared, (8,)),
    "two_inputs": (TwoInputs, ((3, 8, 8), (6,))),
}
