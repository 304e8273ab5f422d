"""OptimWrapperDict: a GAN-style toy with two optimizers, as in the user guide."""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from treadle.optim import OptimWrapper, OptimWrapperDict, StepLR


class ToyGAN(nn.Module):
    """A 1-D GAN: the generator learns to shift noise onto a target distribution."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.generator = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
        self.discriminator = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 1))

    def train_step(self, real: torch.Tensor, optim_wrapper: OptimWrapperDict) -> dict:
        noise = torch.randn(real.shape[0], 2)
        with torch.no_grad():
            fake = self.generator(noise)
        disc_wrapper = optim_wrapper["discriminator"]
        with disc_wrapper.optim_context(self.discriminator):
            logits_real = self.discriminator(real)
            logits_fake = self.discriminator(fake)
        loss_disc = F.binary_cross_entropy_with_logits(
            logits_real, torch.ones_like(logits_real)
        ) + F.binary_cross_entropy_with_logits(logits_fake, torch.zeros_like(logits_fake))
        disc_wrapper.update_params(loss_disc)

        gen_wrapper = optim_wrapper["generator"]
        self.discriminator.requires_grad_(False)
        with gen_wrapper.optim_context(self.generator):
            logits = self.discriminator(self.generator(noise))
        loss_gen = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
        gen_wrapper.update_params(loss_gen)
        self.discriminator.requires_grad_(True)
        return {"loss_disc": float(loss_disc.detach()), "loss_gen": float(loss_gen.detach())}


def _wrappers(model: ToyGAN) -> OptimWrapperDict:
    opt_g = torch.optim.Adam(model.generator.parameters(), lr=0.01, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(model.discriminator.parameters(), lr=0.01, betas=(0.5, 0.999))
    return OptimWrapperDict(generator=OptimWrapper(opt_g), discriminator=OptimWrapper(opt_d))


def test_gan_toy_trains_with_two_optimizers():
    model = ToyGAN()
    wrappers = _wrappers(model)
    torch.manual_seed(1)
    target_mean = 3.0
    with torch.no_grad():
        start_gap = abs(float(model.generator(torch.randn(512, 2)).mean()) - target_mean)
    disc_before = [p.detach().clone() for p in model.discriminator.parameters()]
    for _ in range(150):
        real = target_mean + 0.5 * torch.randn(32, 1)
        model.train_step(real, wrappers)
    with torch.no_grad():
        end_gap = abs(float(model.generator(torch.randn(512, 2)).mean()) - target_mean)
    assert start_gap > 2.0
    assert end_gap < 0.5 * start_gap
    disc_after = list(model.discriminator.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(disc_before, disc_after, strict=True))


def test_lr_momentum_and_state_are_gathered_by_name():
    model = ToyGAN()
    wrappers = _wrappers(model)
    assert wrappers.get_lr() == {"generator.lr": [0.01], "discriminator.lr": [0.01]}
    assert wrappers.get_momentum() == {
        "generator.momentum": [0.5],
        "discriminator.momentum": [0.5],
    }
    assert list(wrappers) == ["generator", "discriminator"] == list(wrappers.keys())
    assert len(wrappers) == 2 and "generator" in wrappers
    assert isinstance(wrappers, OptimWrapper)  # as in MMEngine: accepted wherever a wrapper is
    model.train_step(torch.randn(8, 1), wrappers)
    state = copy.deepcopy(wrappers.state_dict())
    assert set(state) == {"generator", "discriminator"}
    fresh = ToyGAN()
    fresh_wrappers = _wrappers(fresh)
    for wrapper in fresh_wrappers.values():
        wrapper.optimizer.param_groups[0]["lr"] = 1.0
    fresh_wrappers.load_state_dict(state)
    assert fresh_wrappers.get_lr() == {"generator.lr": [0.01], "discriminator.lr": [0.01]}
    step = fresh_wrappers["generator"].optimizer.state_dict()["state"][0]["step"]
    assert float(step) == 1.0


def test_misuse_is_named():
    model = ToyGAN()
    wrappers = _wrappers(model)
    for method in ("update_params", "backward", "step"):
        with pytest.raises(NotImplementedError, match=rf"\['generator'\]\.{method}"):
            getattr(wrappers, method)(torch.tensor(0.0))
    model.generator(torch.randn(2, 2)).sum().backward()
    model.discriminator(torch.randn(2, 1)).sum().backward()
    wrappers.zero_grad()  # unambiguous: clears every wrapper's gradients
    assert all(p.grad is None for p in model.parameters())
    with pytest.raises(NotImplementedError, match="optim_context"):
        wrappers.optim_context(model)
    with pytest.raises(KeyError, match=r"holds \['generator', 'discriminator'\]"):
        wrappers["gen"]
    with pytest.raises(KeyError, match=r"\['gen'\]"):
        wrappers.load_state_dict({"gen": {}})
    with pytest.raises(TypeError, match=r"OptimWrapperDict holding \['generator', 'discrim"):
        StepLR(wrappers, step_size=1)
    with pytest.raises(TypeError, match="'generator' is Adam"):
        OptimWrapperDict(generator=torch.optim.Adam(model.generator.parameters()))
