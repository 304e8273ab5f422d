"""``MMSeparateDistributedDataParallel`` in a real 2-process gloo job (a GAN's two parts)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

WORKER = Path(__file__).with_name("separate_ddp_worker.py")


@pytest.mark.slow
def test_each_trainable_part_gets_its_own_ddp(tmp_path, launch_ranks) -> None:
    launch_ranks([sys.executable, str(WORKER), str(tmp_path)])
    rank0, rank1 = (torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1))
    assert rank0["wrapped"] == {
        "data_preprocessor": "BaseDataPreprocessor",  # no parameters: left alone
        "generator": "MMDistributedDataParallel",
        "discriminator": "MMDistributedDataParallel",
        "frozen": "Linear",  # nothing to train: left alone
        "act": "ReLU",
    }
    assert "generator.weight" in rank0["end"]  # the wrappers' 'module.' levels left out
    for key, value in rank0["end"].items():
        # different data on each rank, the same parameters after: gradients were averaged
        assert torch.equal(value, rank1["end"][key]), key
        if key.startswith(("generator", "discriminator")):
            assert not torch.equal(value, rank0["start"][key]), key
        else:
            assert torch.equal(value, rank0["start"][key]), key
