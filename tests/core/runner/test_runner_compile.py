"""``cfg.compile``: the runner compiles the model's train_step with torch.compile."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from treadle.model import BaseModel
from treadle.runner import Runner

# importing torch._dynamo makes torch's own TorchScript modules warn (torch 2.13)
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script_method` is deprecated")


class Regressor(BaseModel):
    """The toy job's model without its Python-side counters (each would recompile)."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.linear = nn.Linear(16, 1)

    def forward(self, inputs, target=None, mode="tensor"):
        pred = self.linear(inputs)
        if mode == "loss":
            return {"loss": nn.functional.mse_loss(pred, target)}
        return [dict(pred=p, target=t) for p, t in zip(pred, target, strict=True)]


def final_weights(runner: Runner) -> list[torch.Tensor]:
    runner.train()
    return [p.detach().clone() for p in runner.model.parameters()]


def test_compiled_training_matches_eager_training(toy_kwargs, tmp_path) -> None:
    eager = Runner(**toy_kwargs(model=Regressor(), work_dir=str(tmp_path / "eager")))
    compiled = Runner(**toy_kwargs(model=Regressor(), cfg=dict(compile=dict(backend="eager"))))
    # the 'eager' backend runs dynamo's capture without code generation: same arithmetic
    for ours, reference in zip(final_weights(compiled), final_weights(eager), strict=True):
        torch.testing.assert_close(ours, reference)
    assert hasattr(compiled.model.train_step, "_torchdynamo_orig_callable")
    assert not hasattr(eager.model.train_step, "_torchdynamo_orig_callable")


def test_compile_false_and_bad_values(toy_kwargs, tmp_path) -> None:
    runner = Runner(**toy_kwargs(max_epochs=1, cfg=dict(compile=False)))
    runner.train()
    assert not hasattr(runner.model.train_step, "_torchdynamo_orig_callable")
    bad = Runner(**toy_kwargs(work_dir=str(tmp_path / "bad"), cfg=dict(compile="yes")))
    with pytest.raises(TypeError, match=r"cfg\.compile must be True, False or a dict"):
        bad.train()
