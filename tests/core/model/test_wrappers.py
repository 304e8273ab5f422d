"""``is_model_wrapper`` over the registry tree; ``detect_anomalous_params``; cfg builds."""

from __future__ import annotations

import json

import torch
from torch import nn

from treadle.model import MMDistributedDataParallel, detect_anomalous_params, is_model_wrapper
from treadle.registry import MODEL_WRAPPERS


class ChildWrapper(nn.Module):
    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module


def test_is_model_wrapper_searches_child_registries():
    child = MODEL_WRAPPERS.child("test_model_wrappers")
    child.register_module(module=ChildWrapper, force=True)
    model = nn.Linear(2, 2)
    assert not is_model_wrapper(model)
    assert is_model_wrapper(ChildWrapper(model))
    assert MODEL_WRAPPERS.get("MMDistributedDataParallel") is MMDistributedDataParallel
    assert issubclass(MMDistributedDataParallel, nn.parallel.DistributedDataParallel)


def test_detect_anomalous_params_names_unused_parameters():
    class TwoHeads(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.used = nn.Linear(2, 1)
            self.unused = nn.Linear(2, 1)
            self.frozen = nn.Linear(2, 1).requires_grad_(False)

    model = TwoHeads()
    loss = model.used(torch.randn(3, 2)).sum()
    assert detect_anomalous_params(loss, model) == ["unused.weight", "unused.bias"]


def test_registries_find_model_classes_without_importing_treadle_model(python):
    out = python(
        "import sys, json\n"
        "from treadle.registry import MODELS, MODEL_WRAPPERS, WEIGHT_INITIALIZERS\n"
        "before = 'torch' in sys.modules\n"
        "pre = MODELS.build(dict(type='ImgDataPreprocessor', mean=[0.0], std=[2.0]))\n"
        "init = WEIGHT_INITIALIZERS.build(dict(type='Kaiming', layer='Conv2d'))\n"
        "print(json.dumps([before, type(pre).__name__, type(init).__name__,\n"
        "    MODEL_WRAPPERS.get('MMDistributedDataParallel').__name__]))"
    ).stdout
    assert json.loads(out) == [
        False,
        "ImgDataPreprocessor",
        "KaimingInit",
        "MMDistributedDataParallel",
    ]
