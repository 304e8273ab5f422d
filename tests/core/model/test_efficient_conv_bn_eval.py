"""efficient_conv_bn_eval: eval-mode BatchNorms folded into the convolutions before them give
the same outputs and gradients, keep less for backward, and leave other patterns alone."""

from __future__ import annotations

import copy
import logging

import pytest
import torch
from torch import nn

from treadle.model import BaseModel
from treadle.model.efficient_conv_bn_eval import turn_on_efficient_conv_bn_eval
from treadle.runner import Runner


class Backbone(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.stem_bn = nn.BatchNorm2d(8)
        self.plain = nn.Conv2d(8, 8, 3, padding=1, bias=False)  # no conv bias
        self.plain_bn = nn.BatchNorm2d(8, affine=False)  # no BN weight and bias
        self.shared = nn.Conv2d(8, 8, 1)  # its output also feeds the residual: not folded
        self.shared_bn = nn.BatchNorm2d(8)
        self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)  # transposed: not folded
        self.up_bn = nn.BatchNorm2d(4)

    def forward(self, x):
        x = torch.relu(self.stem_bn(self.stem(x)))
        x = self.plain_bn(self.plain(x))
        y = self.shared(x)
        x = self.shared_bn(y) + y
        return self.up_bn(self.up(x))


def randomised(model: nn.Module) -> nn.Module:
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.running_mean.copy_(torch.randn(module.num_features, generator=generator))
                module.running_var.copy_(torch.rand(module.num_features, generator=generator) + 0.5)
                if module.affine:
                    module.weight.copy_(torch.randn(module.num_features, generator=generator))
                    module.bias.copy_(torch.randn(module.num_features, generator=generator))
    return model


def kept_feature_maps(model: nn.Module, x: torch.Tensor) -> int:
    """How many distinct 8-channel feature maps autograd keeps for backward in ``model(x)``."""
    kept = set()

    def pack(tensor):
        if tensor.dim() == 4 and tensor.shape[1] == 8:
            kept.add(tensor.data_ptr())
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(x)
    return len(kept)


def test_folded_pairs_give_the_same_outputs_and_gradients_and_keep_less() -> None:
    reference = randomised(Backbone()).eval()
    folded = copy.deepcopy(reference)
    parent = nn.Module()
    parent.backbone = folded
    assert turn_on_efficient_conv_bn_eval(parent, ["backbone"]) == {"backbone": 2}
    x = torch.randn(2, 3, 8, 8, requires_grad=True)
    expected, got = reference(x), folded(x)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
    expected.square().sum().backward()
    x_grad = x.grad.clone()
    x.grad = None
    got.square().sum().backward()
    torch.testing.assert_close(x.grad, x_grad, rtol=1e-4, atol=1e-4)
    for name in ("stem.weight", "stem.bias", "stem_bn.weight", "stem_bn.bias", "plain.weight"):
        a, b = dict(reference.named_parameters())[name], dict(folded.named_parameters())[name]
        torch.testing.assert_close(b.grad, a.grad, rtol=1e-4, atol=1e-4, msg=name)
    # the outputs of the two folded convolutions are no longer kept
    assert kept_feature_maps(reference, x) - kept_feature_maps(folded, x) == 2
    assert torch.equal(folded.stem_bn.running_mean, reference.stem_bn.running_mean)


def test_a_batchnorm_in_train_mode_keeps_its_usual_path() -> None:
    reference = randomised(Backbone()).train()
    folded = copy.deepcopy(reference)
    holder = nn.Module()
    holder.net = folded
    turn_on_efficient_conv_bn_eval(holder, "net")
    x = torch.randn(2, 3, 8, 8)
    torch.testing.assert_close(folded(x), reference(x))
    # the running statistics were updated as usual
    torch.testing.assert_close(folded.stem_bn.running_mean, reference.stem_bn.running_mean)
    assert folded.stem_bn.num_batches_tracked.item() == 1


def test_bad_names_and_untraceable_modules_are_clear_errors() -> None:
    class DataDependent(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 3, 1)

        def forward(self, x):
            return self.conv(x) if x.sum() > 0 else x

    holder = nn.Module()
    holder.backbone = DataDependent()
    with pytest.raises(KeyError, match="'neck' is not a submodule of Module; its children"):
        turn_on_efficient_conv_bn_eval(holder, ["neck"])
    with pytest.raises(RuntimeError, match=r"torch.fx cannot trace 'backbone' \(DataDependent\)"):
        turn_on_efficient_conv_bn_eval(holder, "backbone")


class FrozenBNModel(BaseModel):
    """A detector-like model: the backbone's BatchNorms stay in eval mode while training."""

    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU())
        self.head = nn.Linear(4, 1)

    def train(self, mode: bool = True):
        super().train(mode)
        self.backbone[1].eval()  # norm_eval=True
        return self

    def forward(self, inputs, target=None, mode="tensor"):
        pred = self.head(self.backbone(inputs).mean((2, 3)))
        if mode == "loss":
            return dict(loss=nn.functional.mse_loss(pred, target))
        return pred


def test_the_runner_folds_the_configured_modules(tmp_path, caplog) -> None:
    generator = torch.Generator().manual_seed(0)
    data = [dict(inputs=torch.randn(3, 6, 6, generator=generator), target=torch.randn(1))
            for _ in range(8)]  # fmt: skip
    runner = Runner(
        model=FrozenBNModel(),
        work_dir=str(tmp_path),
        train_dataloader=dict(
            dataset=data,
            batch_size=4,
            sampler=dict(type="DefaultSampler"),
            collate_fn=dict(type="default_collate"),
        ),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        cfg=dict(efficient_conv_bn_eval=["backbone"]),
        log_level="INFO",
    )
    before = runner.model.backbone[0].weight.detach().clone()
    with caplog.at_level(logging.INFO):
        runner.train()
    (log,) = tmp_path.glob("*/*.log")
    assert (
        "efficient_conv_bn_eval: conv + BatchNorm pairs folded in eval mode: {'backbone': 1}"
        in (log.read_text())
    )
    assert not torch.equal(runner.model.backbone[0].weight, before)  # gradients reached it
