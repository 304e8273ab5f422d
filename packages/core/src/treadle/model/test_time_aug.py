"""``BaseTTAModel``: test-time augmentation, by running a model on each augmented copy of a
batch and merging the predictions (MMEngine's).

A test pipeline with test-time augmentation (e.g. vision's ``TestTimeAug``) gives each
sample a list of augmented versions; ``pseudo_collate`` then makes every key a list
over augmentations of lists over the batch. ``test_step`` runs the wrapped model once
per augmentation and hands :meth:`BaseTTAModel.merge_preds` the predictions grouped by
sample. A config switches a model to TTA with
``cfg.model = dict(**cfg.tta_model, module=cfg.model)``.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from torch import nn

from treadle.model.base_model import BaseModel
from treadle.registry import MODELS


@MODELS.register_module()
class BaseTTAModel(BaseModel):
    """Run ``module`` on each augmentation of a test batch; merge the results per sample.

    Args:
        module: the model to test (an ``nn.Module`` with ``test_step``, or its config).
        data_preprocessor: for a config ``module``, the preprocessor it is built with
            (replacing its own).
    """

    def __init__(self, module: dict | nn.Module, data_preprocessor: dict | None = None) -> None:
        super().__init__()
        if isinstance(module, dict):
            module = dict(module)
            if data_preprocessor is not None:
                module["data_preprocessor"] = data_preprocessor
            module = MODELS.build(module)
        elif not isinstance(module, nn.Module):
            raise TypeError(
                f"module must be a model or its config dict, got {type(module).__name__}"
            )
        if not callable(getattr(module, "test_step", None)):
            raise TypeError(
                f"{type(module).__name__} has no test_step: a TTA model runs the test_step of "
                "the model it wraps (subclass BaseModel)"
            )
        self.module = module

    @abstractmethod
    def merge_preds(self, data_samples_list: list[list[Any]]) -> list[Any]:
        """One prediction per sample from ``data_samples_list[i]``: the predictions of
        sample ``i`` under each augmentation."""

    def test_step(self, data: dict | list | tuple) -> list[Any]:
        """Predictions of the wrapped model for each augmentation, merged per sample."""
        if isinstance(data, dict):
            counts = {key: len(value) for key, value in data.items()}
            per_augmentation = [
                {key: value[i] for key, value in data.items()} for i in range(_count(counts))
            ]
        elif isinstance(data, (list, tuple)):
            counts = {f"[{i}]": len(value) for i, value in enumerate(data)}
            per_augmentation = [[value[i] for value in data] for i in range(_count(counts))]
        else:
            raise TypeError(
                f"a test-time-augmented batch is a dict or a sequence (of per-augmentation "
                f"lists), got {type(data).__name__}"
            )
        predictions = [self.module.test_step(batch) for batch in per_augmentation]
        return self.merge_preds([list(sample) for sample in zip(*predictions, strict=True)])

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        raise NotImplementedError(
            f"{type(self).__name__} is for testing: call test_step (the runner's test loop "
            "does); implement forward in the subclass to use it otherwise"
        )


def _count(counts: dict[str, int]) -> int:
    """The number of augmentations: every key must hold the same."""
    if len(set(counts.values())) > 1:
        raise ValueError(
            f"the keys of a test-time-augmented batch hold different numbers of "
            f"augmentations: {counts}; the pipeline must give every key one entry each"
        )
    return next(iter(counts.values()), 0)
