"""Model complexity analysis: ``get_model_complexity_info`` on a ResNet-shaped model, beside
MMEngine 0.10.7's (which traces the model with ``torch.jit`` once per analyzer).

Budget (ours, no issue sets one): <= 1.0x MMEngine's time, the best of several calls each.
Without MMEngine installed, only our time is printed.
"""

from __future__ import annotations

import importlib.util
import logging
import warnings

import torch
from common import best_per_call, finish, report
from torch import nn


def block(channels: int) -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(channels, channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(channels),
        nn.ReLU(inplace=True),
        nn.Conv2d(channels, channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(channels),
    )


def model() -> nn.Module:
    stages = [nn.Conv2d(3, 32, 7, 2, 3), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    stages += [block(32) for _ in range(8)]
    stages += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 1000)]
    return nn.Sequential(*stages)


def seconds(get_model_complexity_info) -> float:
    net = model()
    return best_per_call(lambda: get_model_complexity_info(net, (3, 64, 64)), 3, repeat=5)


def main() -> None:
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    from treadle.analysis import get_model_complexity_info

    ours = seconds(get_model_complexity_info)
    print(f"treadle get_model_complexity_info: {ours * 1e3:.1f} ms")
    if importlib.util.find_spec("mmengine") is None:
        print("MMEngine not importable: no ratio (nox -s bench installs it)")
    else:
        from mmengine.analysis import get_model_complexity_info as theirs_fn

        theirs = seconds(theirs_fn)
        print(f"  MMEngine 0.10.7: {theirs * 1e3:.1f} ms")
        report("complexity analysis vs MMEngine", ours / theirs, 1.0, "x")
    finish()


if __name__ == "__main__":
    main()
