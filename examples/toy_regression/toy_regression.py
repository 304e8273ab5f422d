"""The demo's components: a synthetic regression dataset, a linear model and an MSE metric.

A config names them after ``custom_imports=dict(imports=['toy_regression'])`` imports
this module (put this directory on ``PYTHONPATH``). A real project would ship them in a
plugin distribution instead (see the README's "Writing a plugin").
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn
from torch.utils.data import Dataset

from treadle.evaluator import BaseMetric
from treadle.model import BaseModel
from treadle.registry import DATASETS, METRICS, MODELS


@DATASETS.register_module()
class SyntheticRegression(Dataset):
    """``size`` points ``x`` in 16 dimensions, drawn from ``seed``; ``y = x @ w + noise``."""

    metainfo: ClassVar[dict] = dict(name="synthetic-regression")

    def __init__(self, size: int = 256, seed: int = 0, noise: float = 0.1) -> None:
        weight = torch.randn(16, 1, generator=torch.Generator().manual_seed(1234))
        generator = torch.Generator().manual_seed(seed)
        self.x = torch.randn(size, 16, generator=generator)
        self.y = self.x @ weight + noise * torch.randn(size, 1, generator=generator)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.x[index], target=self.y[index])


@MODELS.register_module()
class MLPRegressor(BaseModel):
    """A two-layer perceptron; ``forward`` follows the loss/predict/tensor modes."""

    def __init__(self, hidden: int = 32, data_preprocessor: dict | None = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor)
        self.net = nn.Sequential(nn.Linear(16, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, inputs, target=None, mode: str = "tensor"):
        pred = self.net(inputs)
        if mode == "loss":
            return dict(loss=nn.functional.mse_loss(pred, target))
        if mode == "predict":
            return [dict(pred=p, target=t) for p, t in zip(pred, target, strict=True)]
        return pred


@METRICS.register_module()
class MSE(BaseMetric):
    """Mean squared error over the predictions."""

    default_prefix = "regression"

    def process(self, data_batch, data_samples) -> None:
        for sample in data_samples:
            self.results.append(float((sample["pred"] - sample["target"]).pow(2).sum()))

    def compute_metrics(self, results: list) -> dict:
        return dict(mse=sum(results) / len(results))
