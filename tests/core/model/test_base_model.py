"""``BaseModel``: train/val/test steps with a real optimiser, loss parsing, device moves."""

from __future__ import annotations

import copy
from collections import OrderedDict

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from treadle.model import BaseDataPreprocessor, BaseModel, ImgDataPreprocessor
from treadle.optim import OptimWrapper


class Classifier(BaseModel):
    def __init__(self, data_preprocessor=None) -> None:
        super().__init__(data_preprocessor=data_preprocessor)
        self.fc = nn.Linear(4, 3)
        self.modes: list[str] = []

    def forward(self, inputs, labels=None, mode="tensor"):
        self.modes.append(mode)
        logits = self.fc(inputs)
        if mode == "loss":
            return {
                "loss_cls": F.cross_entropy(logits, labels),
                "acc": (logits.argmax(1) == labels).float(),
            }
        if mode == "predict":
            return logits.argmax(1)
        return logits


def batch(seed: int = 0) -> dict:
    generator = torch.Generator().manual_seed(seed)
    return {
        "inputs": torch.randn(8, 4, generator=generator),
        "labels": torch.randint(0, 3, (8,), generator=generator),
    }


def test_train_step_is_one_sgd_step_and_returns_log_vars():
    torch.manual_seed(0)
    model = Classifier()
    reference = copy.deepcopy(model.fc)
    data = batch()
    optim_wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))

    log_vars = model.train_step(data, optim_wrapper)

    loss = F.cross_entropy(reference(data["inputs"]), data["labels"])
    loss.backward()
    with torch.no_grad():
        for param in reference.parameters():
            param -= 0.1 * param.grad
    torch.testing.assert_close(model.fc.weight, reference.weight)
    torch.testing.assert_close(model.fc.bias, reference.bias)
    assert model.modes == ["loss"]
    assert isinstance(log_vars, OrderedDict) and list(log_vars) == ["loss", "loss_cls", "acc"]
    torch.testing.assert_close(log_vars["loss"], loss.detach())
    assert model.fc.weight.grad is None or torch.all(model.fc.weight.grad == 0)


def test_training_reduces_the_loss():
    torch.manual_seed(1)
    model = Classifier()
    optim_wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.5))
    data = batch(1)
    losses = [model.train_step(data, optim_wrapper)["loss"].item() for _ in range(100)]
    assert losses[-1] < 0.5 * losses[0]


def test_val_and_test_step_predict_with_tuple_data():
    model = Classifier()
    data = batch()
    expected = model.fc(data["inputs"]).argmax(1)
    assert torch.equal(model.val_step((data["inputs"], data["labels"])), expected)
    assert torch.equal(model.test_step(data), expected)
    assert model.modes == ["predict", "predict"]


def test_parse_losses_sums_loss_keys_and_lists():
    model = Classifier()
    losses = {
        "loss_a": torch.tensor([1.0, 3.0]),
        "loss_b": [torch.tensor(0.5), torch.tensor([1.0, 2.0])],
        "top1": torch.tensor(0.9),
    }
    loss, log_vars = model.parse_losses(losses)
    assert loss.item() == pytest.approx(2.0 + 0.5 + 1.5)
    assert list(log_vars) == ["loss", "loss_a", "loss_b", "top1"]
    assert log_vars["loss_b"].item() == pytest.approx(2.0)
    assert log_vars["top1"].item() == pytest.approx(0.9)


def test_parse_losses_rejects_bad_values():
    model = Classifier()
    with pytest.raises(
        TypeError, match=r"'loss_x' .* must be a tensor or a list of tensors, got float"
    ):
        model.parse_losses({"loss_x": 1.0})
    with pytest.raises(ValueError, match="no key containing 'loss'"):
        model.parse_losses({"acc": torch.tensor(1.0)})


def test_data_preprocessor_from_cfg_module_or_default():
    assert type(Classifier().data_preprocessor) is BaseDataPreprocessor
    built = Classifier(data_preprocessor=dict(type="ImgDataPreprocessor", mean=[0.5], std=[2.0]))
    assert isinstance(built.data_preprocessor, ImgDataPreprocessor)
    module = BaseDataPreprocessor()
    assert Classifier(data_preprocessor=module).data_preprocessor is module
    with pytest.raises(TypeError, match="data_preprocessor must be a dict"):
        Classifier(data_preprocessor="ImgDataPreprocessor")


def test_forward_is_abstract():
    with pytest.raises(TypeError, match="abstract"):
        BaseModel()


def test_model_device_moves_reach_the_preprocessor():
    model = Classifier()
    model.to(torch.float64)  # no device: the preprocessor stays where it was
    assert model.data_preprocessor.device == torch.device("cpu")
    model.to("meta")
    assert model.data_preprocessor.device == torch.device("meta")
    assert model.fc.weight.device.type == "meta"
    moved = model.data_preprocessor(batch(), training=False)
    assert moved["inputs"].device.type == "meta"

    on_cpu = Classifier()
    on_cpu.data_preprocessor.to("meta")  # it holds no tensors, so this only retargets it
    on_cpu.cpu()
    assert on_cpu.data_preprocessor.device == torch.device("cpu")


def test_unpackable_preprocessor_output_is_explained():
    class Bad(BaseDataPreprocessor):
        def forward(self, data, training=False):
            return torch.zeros(1)

    model = Classifier(data_preprocessor=Bad())
    with pytest.raises(TypeError, match="must return a dict, list or tuple"):
        model.val_step(batch())
