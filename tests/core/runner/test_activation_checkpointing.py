"""``cfg.activation_checkpointing``: named submodules recompute their activations in backward."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from treadle.model import BaseModel
from treadle.runner import Runner, turn_on_activation_checkpointing


class Counted(nn.Module):
    """A block that counts its training forward passes (a recomputation is one more)."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(16, 16)
        self.dropout = nn.Dropout(0.2)
        self.calls = 0

    def forward(self, x, scale=1.0):
        self.calls += self.training  # validation passes are not counted
        return self.dropout(torch.tanh(self.linear(x))) * scale


class Net(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.block = Counted()
        self.head = nn.Linear(16, 1)

    def forward(self, inputs, target=None, mode="tensor"):
        pred = self.head(self.block(inputs, scale=2.0))  # a keyword reaches the block
        if mode == "loss":
            return {"loss": nn.functional.mse_loss(pred, target)}
        return [dict(pred=p, target=t) for p, t in zip(pred, target, strict=True)]


def test_the_block_recomputes_and_training_is_unchanged(toy_kwargs, tmp_path) -> None:
    plain = Runner(**toy_kwargs(model=Net(), max_epochs=1, work_dir=str(tmp_path / "a")))
    plain.train()
    saving = Runner(
        **toy_kwargs(model=Net(), max_epochs=1, cfg=dict(activation_checkpointing=["block"]))
    )
    saving.train()
    iterations = plain.iter
    assert plain.model.block.calls == iterations
    # one forward and one recomputation in backward, for every training iteration
    assert saving.model.block.calls == 2 * iterations
    for ours, reference in zip(saving.model.parameters(), plain.model.parameters(), strict=True):
        assert torch.equal(ours, reference)  # the recomputation replays dropout's RNG draws


def test_an_unknown_module_is_named() -> None:
    with pytest.raises(KeyError, match=r"'neck' is not a submodule of Net; its children are"):
        turn_on_activation_checkpointing(Net(), ["block", "neck"])
