"""The top-level ``init_weights`` writes which initialiser set each parameter to the log file."""

from __future__ import annotations

import torch
from torch import nn

from treadle.model import BaseModel, BaseModule
from treadle.runner import Runner


class Head(BaseModule):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 1)

    def init_weights(self) -> None:
        super().init_weights()
        nn.init.constant_(self.fc.weight, 0.5)  # its own rule, after the parent's init_cfg


class Backbone(BaseModule):
    """Loads its weights from a whole model's checkpoint, as OpenMMLab backbones do."""

    def __init__(self, checkpoint: str) -> None:
        super().__init__(
            init_cfg=dict(type="Pretrained", checkpoint=checkpoint, prefix="backbone.")
        )
        self.layer = nn.Linear(4, 4)

    def forward(self, x):
        return self.layer(x)


class Net(BaseModel):
    def __init__(self, checkpoint: str) -> None:
        super().__init__(init_cfg=dict(type="Kaiming", layer="Linear"))
        self.backbone = Backbone(checkpoint)
        self.head = Head()
        self.norm = nn.LayerNorm(4)

    def forward(self, inputs, target=None, mode="tensor"):
        return self.head(self.norm(self.backbone(inputs)))


def saved_backbone(directory) -> str:
    path = directory / "backbone.pth"
    weights = {"backbone.layer.weight": torch.ones(4, 4), "backbone.layer.bias": torch.ones(4)}
    torch.save({"state_dict": weights}, path)
    return str(path)


def test_the_run_log_says_what_set_each_parameter(tmp_path) -> None:
    checkpoint = saved_backbone(tmp_path)
    model = Net(checkpoint)
    runner = Runner(model=model, work_dir=str(tmp_path / "work"), log_level="WARNING")
    runner._init_model_weights()
    (log,) = (tmp_path / "work").glob("*/*.log")
    text = log.read_text()
    assert "How init_weights set each parameter:" in text
    assert f"backbone.layer.weight - (4, 4): PretrainedInit(checkpoint={checkpoint!r}" in text
    assert "head.fc.weight - (1, 4): init_weights of Head" in text
    assert "head.fc.bias - (1,): KaimingInit(layer=['Linear'], bias=0)" in text
    assert "norm.weight - (4,): not changed by init_weights of Net" in text
    assert torch.equal(model.backbone.layer.weight.cpu(), torch.ones(4, 4))
    assert all("_init_report" not in m.__dict__ for m in model.modules())  # nothing left over


def test_outside_a_run_nothing_is_printed(tmp_path, capsys) -> None:
    checkpoint = saved_backbone(tmp_path)
    Net(checkpoint).init_weights()
    assert "How init_weights" not in capsys.readouterr().out


def test_parameters_without_values_yet_do_not_stop_the_report() -> None:
    class Deferred(BaseModel):
        def __init__(self) -> None:
            super().__init__(init_cfg=dict(type="Constant", val=1.0, layer="Linear"))
            with torch.device("meta"):  # built without memory, materialised later
                self.big = nn.Linear(2, 2)
            self.small = nn.Linear(2, 2)

        def forward(self, inputs, mode="tensor"):
            return inputs

    model = Deferred()
    model.init_weights()
    assert torch.equal(model.small.weight, torch.ones(2, 2))
