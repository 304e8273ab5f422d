"""``BaseModule.init_weights``: own init_cfg, children, Pretrained last, checkpoints on disk."""

from __future__ import annotations

import pickle

import pytest
import torch
from torch import nn

from treadle.model import BaseModule, ModuleList, Sequential


class Backbone(BaseModule):
    def __init__(self, init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4, 4)


class Detector(BaseModule):
    def __init__(self, init_cfg=None, backbone_cfg=None) -> None:
        super().__init__(init_cfg)
        self.backbone = Backbone(backbone_cfg)
        self.head = nn.Linear(4, 2)


class Counting(BaseModule):
    """A user-defined init_weights: BaseModule must call it once, via the parent."""

    calls = 0

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def init_weights(self) -> None:
        Counting.calls += 1
        nn.init.constant_(self.fc.weight, 9.0)
        self.is_init = True


def test_init_cfg_applies_to_self_and_children_use_their_own():
    model = Detector(
        init_cfg=dict(type="Constant", layer="Linear", val=1.0),
        backbone_cfg=dict(type="Constant", layer="Linear", val=2.0),
    )
    assert not model.is_init
    model.init_weights()
    assert model.is_init and model.backbone.is_init
    assert torch.all(model.head.weight == 1)
    # the child's own init_weights runs after the parent's cfg, so its cfg wins
    assert torch.all(model.backbone.fc.weight == 2)


def test_second_call_does_nothing():
    model = Backbone(init_cfg=dict(type="Constant", layer="Linear", val=1.0))
    model.init_weights()
    nn.init.zeros_(model.fc.weight)
    model.init_weights()
    assert torch.all(model.fc.weight == 0)


def test_user_defined_child_init_weights_is_called_once():
    Counting.calls = 0
    parent = Sequential(Counting(), Counting())
    parent.init_weights()
    assert Counting.calls == 2
    assert all(torch.all(child.fc.weight == 9) for child in parent)
    parent.init_weights()
    assert Counting.calls == 2


def test_container_variants_take_init_cfg():
    layers = ModuleList(
        [nn.Linear(2, 2), nn.Linear(2, 2)], init_cfg=dict(type="Constant", layer="Linear", val=4.0)
    )
    layers.init_weights()
    assert all(torch.all(layer.weight == 4) for layer in layers)
    assert "init_cfg=" in repr(layers)


def test_init_cfg_is_copied():
    cfg = dict(type="Constant", layer="Linear", val=1.0)
    model = Backbone(init_cfg=cfg)
    cfg["val"] = 5.0
    model.init_weights()
    assert torch.all(model.fc.weight == 1)


@pytest.fixture
def detector_checkpoint(tmp_path):
    """A real checkpoint file of a whole Detector, as a runner would save it."""
    torch.manual_seed(7)
    source = Detector()
    path = tmp_path / "detector.pth"
    torch.save({"meta": {"epoch": 3}, "state_dict": source.state_dict()}, path)
    return path, source


def test_pretrained_with_prefix_loads_the_backbone_part(detector_checkpoint):
    path, source = detector_checkpoint
    backbone = Backbone(init_cfg=dict(type="Pretrained", checkpoint=str(path), prefix="backbone."))
    backbone.init_weights()
    for key, value in backbone.state_dict().items():
        assert torch.equal(value, source.state_dict()[f"backbone.{key}"])


def test_pretrained_prefix_without_dot_and_wrong_prefix(detector_checkpoint):
    path, source = detector_checkpoint
    backbone = Backbone(init_cfg=dict(type="Pretrained", checkpoint=str(path), prefix="backbone"))
    backbone.init_weights()
    assert torch.equal(backbone.fc.weight, source.backbone.fc.weight)
    bad = Backbone(init_cfg=dict(type="Pretrained", checkpoint=str(path), prefix="neck."))
    with pytest.raises(KeyError, match=r"prefix 'neck\.'.*backbone\.conv\.weight"):
        bad.init_weights()


def test_pretrained_runs_last_whatever_its_position(detector_checkpoint):
    path, source = detector_checkpoint
    model = Detector(
        init_cfg=[
            dict(type="Pretrained", checkpoint=str(path)),
            dict(type="Constant", layer="Linear", val=0.0),
        ]
    )
    model.init_weights()
    assert torch.equal(model.head.weight, source.head.weight)
    assert torch.equal(model.backbone.fc.weight, source.backbone.fc.weight)


def test_pretrained_strips_ddp_module_prefix(tmp_path):
    source = Backbone()
    path = tmp_path / "ddp.pth"
    torch.save({f"module.{k}": v for k, v in source.state_dict().items()}, path)
    target = Backbone(init_cfg=dict(type="Pretrained", checkpoint=str(path)))
    target.init_weights()
    assert torch.equal(target.conv.weight, source.conv.weight)


def test_pretrained_warns_and_skips_shape_mismatch(tmp_path):
    source = Backbone()
    state = source.state_dict()
    state["fc.weight"] = torch.zeros(8, 4)
    state["extra.weight"] = torch.zeros(1)
    path = tmp_path / "mismatch.pth"
    torch.save(state, path)
    target = Backbone(init_cfg=dict(type="Pretrained", checkpoint=str(path)))
    before = target.fc.weight.clone()
    with pytest.warns(UserWarning, match=r"(?s)unexpected keys in source: extra.weight.*fc.weight"):
        target.init_weights()
    assert torch.equal(target.fc.weight, before)
    assert torch.equal(target.conv.weight, source.conv.weight)


class NotAllowed:
    """Any class: torch.load(weights_only=True) must refuse to build it."""


def test_pretrained_refuses_pickled_objects_unless_opted_out(tmp_path):
    source = Backbone()
    path = tmp_path / "unsafe.pth"
    torch.save({"state_dict": source.state_dict(), "extra": NotAllowed()}, path)
    model = Backbone(init_cfg=dict(type="Pretrained", checkpoint=str(path)))
    with pytest.raises(pickle.UnpicklingError, match="weights_only=False"):
        model.init_weights()
    trusting = Backbone(init_cfg=dict(type="Pretrained", checkpoint=str(path), weights_only=False))
    trusting.init_weights()
    assert torch.equal(trusting.fc.weight, source.fc.weight)


def test_pretrained_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nope.pth"
    model = Backbone(init_cfg=dict(type="Pretrained", checkpoint=str(missing)))
    with pytest.raises(FileNotFoundError, match=r"nope\.pth"):
        model.init_weights()
