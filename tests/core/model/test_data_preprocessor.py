"""Data preprocessors: device casting of nested batches; image normalise/swap/pad/stack."""

from __future__ import annotations

from collections import namedtuple

import pytest
import torch

from treadle.model import BaseDataPreprocessor, ImgDataPreprocessor, stack_batch
from treadle.registry import MODELS
from treadle.structures import BaseDataElement

Pair = namedtuple("Pair", ["image", "label"])


def test_cast_data_moves_nested_tensors_and_keeps_container_types():
    preprocessor = BaseDataPreprocessor().to("meta")
    sample = BaseDataElement(bboxes=torch.zeros(2, 4), metainfo=dict(img_id=3))
    data = {
        "inputs": [torch.ones(3, 2, 2), torch.ones(3, 2, 2)],
        "pair": Pair(torch.zeros(1), "cat"),
        "tuple": (torch.zeros(1), None, b"raw"),
        "data_samples": [sample],
        "count": 5,
    }
    out = preprocessor(data)
    assert isinstance(out["inputs"], list) and all(t.is_meta for t in out["inputs"])
    assert (
        isinstance(out["pair"], Pair) and out["pair"].image.is_meta and out["pair"].label == "cat"
    )
    assert isinstance(out["tuple"], tuple) and out["tuple"][0].is_meta
    assert out["tuple"][1:] == (None, b"raw")
    moved = out["data_samples"][0]
    assert isinstance(moved, BaseDataElement) and moved.bboxes.is_meta and moved.img_id == 3
    assert out["count"] == 5
    assert not data["inputs"][0].is_meta  # the input batch is not modified


def test_img_preprocessor_swaps_normalises_pads_and_stacks_a_list():
    preprocessor = ImgDataPreprocessor(
        mean=[10.0, 20.0, 30.0],
        std=[1.0, 2.0, 5.0],
        pad_size_divisor=4,
        pad_value=-7.0,
        bgr_to_rgb=True,
    )
    small = torch.stack([torch.full((3, 5), float(c + 1)) for c in range(3)]).to(torch.uint8)
    large = torch.arange(3 * 6 * 2, dtype=torch.uint8).view(3, 6, 2)
    samples = ["a", "b"]
    out = preprocessor({"inputs": [small, large], "data_samples": samples})

    batch = out["inputs"]
    assert batch.shape == (2, 3, 8, 8)  # max (6, 5) rounded up to multiples of 4
    assert batch.dtype == torch.float32
    assert out["data_samples"] == samples
    mean = torch.tensor([10.0, 20.0, 30.0]).view(3, 1, 1)
    std = torch.tensor([1.0, 2.0, 5.0]).view(3, 1, 1)
    expected_small = (small.flip(0).float() - mean) / std  # channels reversed: BGR -> RGB
    torch.testing.assert_close(batch[0, :, :3, :5], expected_small)
    assert batch[0, 0, 0, 0].item() == (3 - 10) / 1  # first output channel = last input one
    assert torch.all(batch[0, :, 3:, :] == -7.0) and torch.all(batch[0, :, :, 5:] == -7.0)
    torch.testing.assert_close(batch[1, :, :6, :2], (large.flip(0).float() - mean) / std)
    assert torch.all(batch[1, :, :, 2:] == -7.0)


def test_img_preprocessor_pads_an_nchw_tensor_and_fills_data_samples():
    preprocessor = MODELS.build(
        dict(type="ImgDataPreprocessor", mean=[127.5], std=[127.5], pad_size_divisor=8)
    )
    images = torch.full((2, 1, 5, 9), 255, dtype=torch.uint8)
    out = preprocessor({"inputs": images})
    assert out["inputs"].shape == (2, 1, 8, 16)
    assert torch.all(out["inputs"][:, :, :5, :9] == 1.0)
    assert torch.all(out["inputs"][:, :, 5:, :] == 0.0)
    assert out["data_samples"] is None


def test_img_preprocessor_without_normalisation_only_converts_to_float():
    out = ImgDataPreprocessor(rgb_to_bgr=True)(
        {"inputs": [torch.tensor([[[1]], [[2]], [[3]]], dtype=torch.uint8)]}
    )
    assert out["inputs"].dtype == torch.float32
    assert out["inputs"].flatten().tolist() == [3.0, 2.0, 1.0]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(bgr_to_rgb=True, rgb_to_bgr=True), "at most one"),
        (dict(mean=[1.0, 2.0, 3.0]), "both be given or both be None"),
        (dict(mean=[1.0, 2.0], std=[1.0, 2.0]), "1 \\(gray\\) or 3 \\(color\\)"),
        (dict(pad_size_divisor=0), "positive int"),
    ],
)
def test_bad_arguments_are_explained(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ImgDataPreprocessor(**kwargs)


def test_bad_inputs_are_explained():
    color = ImgDataPreprocessor(mean=[0.0, 0.0, 0.0], std=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="3-value mean/std needs 3-channel"):
        color({"inputs": [torch.zeros(1, 4, 4)]})
    with pytest.raises(ValueError, match="NCHW tensor"):
        color({"inputs": torch.zeros(3, 4, 4)})
    with pytest.raises(TypeError, match=r"list of \[tensor\(4, 4\)\]"):
        color({"inputs": [torch.zeros(4, 4)]})
    with pytest.raises(TypeError, match=r"'inputs' key .* got dict with keys \['img'\]"):
        color({"img": [torch.zeros(3, 4, 4)]})
    with pytest.raises(TypeError, match="got tuple"):
        color((torch.zeros(1, 3, 4, 4), None))
    with pytest.raises(ValueError, match="need 3-channel images"):
        ImgDataPreprocessor(bgr_to_rgb=True)({"inputs": [torch.zeros(4, 2, 2)]})


def test_stack_batch_pads_every_dim_but_the_first():
    out = stack_batch(
        [torch.ones(2, 3, 1, 4), torch.ones(2, 1, 2, 4)], pad_size_divisor=2, pad_value=5
    )
    assert out.shape == (2, 2, 4, 2, 4)
    assert (
        out[0, :, :3, :1].eq(1).all() and out[0, :, 3:].eq(5).all() and out[0, :, :, 1:].eq(5).all()
    )
    same = [torch.ones(3, 2, 2), torch.zeros(3, 2, 2)]
    torch.testing.assert_close(stack_batch(same), torch.stack(same))
    with pytest.raises(ValueError, match="first, which differs"):
        stack_batch([torch.ones(1, 2), torch.ones(3, 2)])
    with pytest.raises(ValueError, match="one rank"):
        stack_batch([torch.ones(1, 2), torch.ones(1, 2, 2)])
