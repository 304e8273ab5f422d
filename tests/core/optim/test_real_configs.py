"""Real OpenMMLab configs: their optim_wrapper and param_scheduler build unchanged."""

import pytest
import torch
from torch import nn

from treadle.config import Config
from treadle.optim import MultiStepLR, OptimWrapper, build_optim_wrapper
from treadle.registry import PARAM_SCHEDULERS


def test_faster_rcnn_schedule_builds_and_runs(repo_root):
    cfg = Config.fromfile(repo_root / "bench" / "configs" / "faster-rcnn_r101_fpn_ms-3x_coco.py")
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    assert type(wrapper) is OptimWrapper
    assert wrapper.clip_grad_kwargs == {"max_norm": 35, "norm_type": 2}
    group = wrapper.optimizer.param_groups[0]
    assert type(wrapper.optimizer) is torch.optim.SGD
    assert (group["lr"], group["momentum"], group["weight_decay"]) == (0.04, 0.9, 0.0001)

    epoch_length = 100
    schedulers = [
        PARAM_SCHEDULERS.build(s, default_args=dict(optimizer=wrapper, epoch_length=epoch_length))
        for s in cfg.param_scheduler
    ]
    assert isinstance(schedulers[1], MultiStepLR) and schedulers[1].end == cfg.max_epochs
    lrs = {}
    for epoch in range(30):
        for it in range(epoch_length):
            lrs[(epoch, it)] = wrapper.get_lr()["lr"][0]
            for s in schedulers:
                if not s.by_epoch:
                    s.step()
        for s in schedulers:
            if s.by_epoch:
                s.step()
    assert lrs[(0, 0)] == pytest.approx(0.04 * 0.001)
    assert lrs[(4, 99)] == pytest.approx(0.04)  # warm-up over the first 500 iterations
    assert lrs[(27, 0)] == pytest.approx(0.04)
    assert lrs[(28, 0)] == pytest.approx(0.004)  # first milestone
