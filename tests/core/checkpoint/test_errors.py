"""Damaged checkpoints raise CheckpointError naming the file; weights_only refusals say why."""

from __future__ import annotations

import pickle

import pytest
import torch

from treadle.runner.checkpoint import (
    CheckpointError,
    UnsafeCheckpointError,
    _load_checkpoint,
    load_checkpoint,
    save_checkpoint,
)


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.pth"
    save_checkpoint({"state_dict": {"w": torch.randn(1000)}, "meta": {"epoch": 1}}, path)
    return path


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: data[:10], id="truncated-header"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: bytes(range(256)) * 8, id="garbage"),
    ],
)
def test_damaged_file_raises_checkpoint_error_naming_it(good, tmp_path, damage):
    bad = tmp_path / "epoch_7.pth"
    bad.write_bytes(damage(good.read_bytes()))
    with pytest.raises(CheckpointError, match=r"epoch_7\.pth.*truncated or corrupt") as info:
        _load_checkpoint(bad)
    assert isinstance(info.value, RuntimeError)
    assert info.value.filename == str(bad)
    assert info.value.__cause__ is not None  # torch's own error, chained


class Custom:
    """Not plain data: weights_only=True must refuse to build it."""

    def __init__(self) -> None:
        self.value = 42


def test_weights_only_refusal_names_file_class_and_the_opt_out(tmp_path):
    path = tmp_path / "unsafe.pth"
    torch.save({"state_dict": {"w": torch.ones(2)}, "extra": Custom()}, path)
    with pytest.raises(UnsafeCheckpointError) as info:
        _load_checkpoint(path)
    message = str(info.value)
    assert "unsafe.pth" in message and "Custom" in message and "weights_only=False" in message
    assert isinstance(info.value, pickle.UnpicklingError)  # what torch.load raised
    assert isinstance(info.value, CheckpointError)
    trusted = _load_checkpoint(path, weights_only=False)
    assert trusted["extra"].value == 42


def test_load_checkpoint_of_a_non_dict_names_the_file(tmp_path):
    path = tmp_path / "list.pth"
    torch.save([torch.ones(1)], path)
    with pytest.raises(CheckpointError, match=r"list\.pth.*holds a list"):
        load_checkpoint(torch.nn.Linear(1, 1), path, logger="silent")


def test_state_dict_entry_that_is_not_a_dict_is_reported(tmp_path):
    path = tmp_path / "odd.pth"
    torch.save({"state_dict": [1, 2]}, path)
    with pytest.raises(CheckpointError, match=r"odd\.pth.*'state_dict' is a list"):
        load_checkpoint(torch.nn.Linear(1, 1), path, logger="silent")
