"""get_state_dict/load_state_dict/load_checkpoint: wrappers, prefixes, misfits reported."""

from __future__ import annotations

import logging

import pytest
import torch
from torch import nn

from treadle.runner.checkpoint import (
    get_state_dict,
    load_checkpoint,
    load_state_dict,
    save_checkpoint,
    weights_to_cpu,
)


class Net(nn.Module):
    def __init__(self, width: int = 4) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, width, 3)
        self.bn = nn.BatchNorm2d(width)
        self.head = nn.Sequential(nn.Linear(width, 2))


class Outer(nn.Module):
    """A model with a wrapped submodule: keys must not carry the wrapper's level."""

    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.DataParallel(Net())
        self.fc = nn.Linear(2, 1)


@pytest.fixture
def logger():
    return logging.getLogger("test-ckpt-state")


def _randomised(model: nn.Module) -> nn.Module:
    with torch.no_grad():
        for p in model.parameters():
            p.normal_()
    return model


def test_get_state_dict_looks_through_wrappers_at_every_level():
    net = Net()
    assert list(get_state_dict(nn.DataParallel(net))) == list(net.state_dict())
    outer = Outer()
    keys = list(get_state_dict(outer))
    assert "backbone.conv.weight" in keys and "fc.bias" in keys
    assert not any(".module." in key for key in keys)
    assert all(k.startswith("m.") for k in get_state_dict(outer, prefix="m.", keep_vars=True))
    assert isinstance(get_state_dict(net, keep_vars=True)["conv.weight"], nn.Parameter)


def test_get_state_dict_runs_the_modules_state_dict_hooks():
    net = Net()
    seen = []

    def post_hook(module, state_dict, prefix, local_metadata):
        seen.append((prefix, local_metadata["version"]))
        state_dict[f"{prefix}scale"] = torch.tensor(2.0)

    net.head.register_state_dict_post_hook(post_hook)
    state = get_state_dict(nn.DataParallel(net))
    assert torch.equal(state["head.scale"], torch.tensor(2.0))
    assert seen == [("head.", nn.Sequential._version)]


def test_checkpoint_from_a_wrapped_model_loads_into_a_bare_one_and_back(tmp_path, logger):
    source = _randomised(Outer())
    path = tmp_path / "outer.pth"
    save_checkpoint({"state_dict": get_state_dict(source)}, path)
    target = Outer()
    load_checkpoint(target, path, strict=True, logger=logger)
    for key, value in source.state_dict().items():
        assert torch.equal(target.state_dict()[key], value)
    wrapped = nn.DataParallel(Outer())
    load_checkpoint(wrapped, path, strict=True, logger=logger)
    assert torch.equal(wrapped.module.fc.weight.cpu(), source.fc.weight)


def test_a_bare_models_checkpoint_loads_into_its_test_time_augmentation_model(tmp_path, logger):
    from treadle.model import BaseModel, BaseTTAModel

    class Model(BaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.net = Net()

        def forward(self, inputs, data_samples=None, mode="tensor"):
            return self.net.head(inputs)

    class FirstView(BaseTTAModel):
        def merge_preds(self, data_samples_list):
            return [samples[0] for samples in data_samples_list]

    source = _randomised(Model())
    path = tmp_path / "bare.pth"
    save_checkpoint({"state_dict": get_state_dict(source)}, path)
    tta = FirstView(module=Model())
    load_checkpoint(tta, path, strict=True, logger=logger)  # keys without 'module.'
    assert torch.equal(tta.module.net.conv.weight, source.net.conv.weight)
    in_ddp_form = nn.DataParallel(FirstView(module=Model()))
    load_checkpoint(in_ddp_form, path, strict=True, logger=logger)
    assert torch.equal(in_ddp_form.module.module.net.head[0].bias.cpu(), source.net.head[0].bias)


def test_ddp_module_prefix_is_stripped_by_default_and_revise_keys_is_applied(tmp_path, logger):
    source = _randomised(Net())
    path = tmp_path / "ddp.pth"
    save_checkpoint({f"module.{k}": v for k, v in source.state_dict().items()}, path)
    target = Net()
    load_checkpoint(target, path, strict=True, logger=logger)  # a bare state dict
    assert torch.equal(target.conv.weight, source.conv.weight)
    renamed = tmp_path / "renamed.pth"
    save_checkpoint(
        {"state_dict": {f"backbone.{k}": v for k, v in source.state_dict().items()}}, renamed
    )
    other = Net()
    load_checkpoint(other, renamed, strict=True, logger=logger, revise_keys=[(r"^backbone\.", "")])
    assert torch.equal(other.head[0].bias, source.head[0].bias)


def test_non_strict_load_reports_missing_unexpected_and_shape_mismatch(tmp_path, caplog, logger):
    source = _randomised(Net(width=8))
    state = source.state_dict()
    state["extra.weight"] = torch.ones(1)
    del state["head.0.bias"]
    del state["bn.num_batches_tracked"]
    path = tmp_path / "misfit.pth"
    save_checkpoint({"state_dict": state}, path)
    target = Net(width=4)
    before = target.conv.weight.detach().clone()
    with caplog.at_level(logging.WARNING, logger=logger.name):
        load_checkpoint(target, path, logger=logger)
    text = caplog.text
    assert "misfit.pth" in text
    assert "unexpected keys in source state_dict: extra.weight" in text
    assert "missing keys in source state_dict: head.0.bias" in text
    assert "num_batches_tracked" not in text  # not reported, as in MMEngine
    assert "size mismatch for conv.weight" in text and "torch.Size([8, 3, 3, 3])" in text
    assert torch.equal(target.conv.weight, before)  # left as it was


def test_strict_load_raises_listing_every_misfit(tmp_path, logger):
    state = Net(width=8).state_dict()
    state["extra.weight"] = torch.ones(1)
    path = tmp_path / "strict.pth"
    save_checkpoint(state, path)
    with pytest.raises(RuntimeError, match=r"(?s)strict\.pth.*extra\.weight.*conv\.weight"):
        load_checkpoint(Net(width=4), path, strict=True, logger=logger)


def test_load_state_dict_matching_keys_logs_nothing(caplog, logger):
    source = _randomised(Net())
    target = Net()
    with caplog.at_level(logging.DEBUG, logger=logger.name):
        load_state_dict(nn.DataParallel(target), source.state_dict(), strict=True, logger=logger)
    assert caplog.text == ""
    assert torch.equal(target.bn.running_var.cpu(), source.bn.running_var)


def test_load_state_dict_runs_the_modules_load_post_hooks():
    target = Net()
    seen = []
    target.head.register_load_state_dict_post_hook(
        lambda module, keys: seen.append((module, list(keys.unexpected_keys)))
    )
    state = Net().state_dict()
    state["head.extra"] = torch.ones(1)
    load_state_dict(nn.DataParallel(target), state, logger="silent")
    assert seen == [(target.head, ["head.extra"])]


def test_weights_to_cpu_copies_tensors_and_keeps_other_values():
    state = get_state_dict(Net())
    state["step"] = 3
    cpu = weights_to_cpu(state)
    assert cpu.keys() == state.keys() and cpu["step"] == 3
    assert all(v.device.type == "cpu" for k, v in cpu.items() if k != "step")
    assert cpu._metadata == state._metadata
