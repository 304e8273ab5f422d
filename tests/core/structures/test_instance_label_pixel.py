"""InstanceData (length check, indexing, cat), LabelData (onehot) and PixelData (shape, slicing)."""

import numpy as np
import pytest
import torch

from treadle.structures import InstanceData, LabelData, PixelData


class Polygons:
    """A user structure: supports len, slicing and cat, like MMEngine's custom-structure example."""

    def __init__(self, items: list) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: slice) -> "Polygons":
        return Polygons(self.items[index])

    @staticmethod
    def cat(parts: list) -> "Polygons":
        return Polygons([item for part in parts for item in part.items])


def make_instances() -> InstanceData:
    data = InstanceData(metainfo=dict(img_shape=(800, 1196, 3)))
    data.labels = torch.LongTensor([2, 3, 5])
    data.scores = torch.Tensor([0.8, 0.7, 0.9])
    data["boxes"] = np.arange(12).reshape(3, 4)
    data.names = ["a", "b", "c"]
    data.polygons = Polygons([[1], [2], [3]])
    return data


def test_length_and_length_check():
    data = make_instances()
    assert len(data) == 3 and len(InstanceData()) == 0
    with pytest.raises(ValueError, match=r"'extra' has length 2.*length 3"):
        data.extra = torch.zeros(2)
    with pytest.raises(TypeError, match=r"'count'.*set_metainfo"):
        data.count = 3


def test_int_and_slice_indexing_keep_dimension():
    data = make_instances()
    one = data[-1]
    assert one.labels.tolist() == [5] and one.names == ["c"] and one.boxes.shape == (1, 4)
    assert one.polygons.items == [[3]] and one.img_shape == (800, 1196, 3)
    assert data[0:2].scores.tolist() == pytest.approx([0.8, 0.7])
    assert data["labels"] is data.labels
    with pytest.raises(IndexError, match=r"index 3 is out of range.*length 3"):
        data[3]


@pytest.mark.parametrize(
    "index",
    [
        torch.tensor([True, False, True]),
        np.array([True, False, True]),
        torch.tensor([0, 2]),
        np.array([0, 2], dtype=np.int32),
        [0, 2],
        [True, False, True],
    ],
)
def test_mask_and_index_selection(index):
    picked = make_instances()[index]
    assert picked.labels.tolist() == [2, 5]
    assert picked.boxes.tolist() == [[0, 1, 2, 3], [8, 9, 10, 11]]
    assert picked.names == ["a", "c"]
    assert picked.polygons.items == [[1], [3]]


def test_sort_order_and_empty_selection():
    data = make_instances()
    ordered = data[data.scores.sort().indices]
    assert ordered.labels.tolist() == [3, 2, 5] and ordered.names == ["b", "a", "c"]
    empty = data[data.scores > 1]
    assert len(empty) == 0 and empty.boxes.shape == (0, 4) and empty.polygons.items == []


def test_bad_indices():
    data = make_instances()
    with pytest.raises(IndexError, match=r"bool mask of length 2"):
        data[torch.tensor([True, False])]
    with pytest.raises(TypeError, match=r"bool or integer"):
        data[torch.tensor([0.0])]
    with pytest.raises(IndexError, match=r"1-D"):
        data[torch.zeros(1, 1, dtype=torch.long)]
    plain = InstanceData(things={1, 2})
    with pytest.raises(TypeError, match=r"'things' is a set.*cat"):
        plain[torch.tensor([0])]


def test_cat():
    data = make_instances()
    joined = InstanceData.cat([data, data[0]])
    assert len(joined) == 4
    assert joined.labels.tolist() == [2, 3, 5, 2]
    assert joined.boxes.shape == (4, 4) and joined.names == ["a", "b", "c", "a"]
    assert joined.polygons.items == [[1], [2], [3], [1]]
    assert joined.img_shape == (800, 1196, 3)
    assert InstanceData.cat([data]) is data
    with pytest.raises(ValueError, match=r"same fields"):
        InstanceData.cat([data, InstanceData(labels=torch.tensor([1]))])
    with pytest.raises(ValueError, match=r"at least one"):
        InstanceData.cat([])


def test_iteration_yields_single_instances():
    labels = [item.labels.item() for item in make_instances()]
    assert labels == [2, 3, 5]


def test_label_onehot_round_trip():
    onehot = LabelData.label_to_onehot(torch.tensor([1]), num_classes=10)
    assert onehot.tolist() == [0, 1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert LabelData.onehot_to_label(onehot).tolist() == [1]
    multi = LabelData.label_to_onehot(torch.tensor([0, 3]), num_classes=4)
    assert LabelData.onehot_to_label(multi).tolist() == [0, 3]
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        LabelData.label_to_onehot(torch.tensor([4]), num_classes=4)
    with pytest.raises(ValueError, match=r"zeros and ones"):
        LabelData.onehot_to_label(torch.tensor([0, 2, 0]))
    assert LabelData(label=torch.tensor([1])).keys() == ["label"]


def test_pixel_data_shape_rules():
    pixels = PixelData(
        metainfo=dict(img_id=7), image=np.zeros((4, 20, 40)), featmap=torch.zeros(10, 20, 40)
    )
    assert pixels.shape == (20, 40)
    pixels.mask = torch.zeros(20, 40)
    assert pixels.mask.shape == (1, 20, 40)
    with pytest.raises(ValueError, match=r"\(20, 30\).*\(20, 40\)"):
        pixels.bad = torch.zeros(3, 20, 30)
    with pytest.raises(ValueError, match=r"2-D .* or 3-D .*got 4-D"):
        pixels.bad = torch.zeros(1, 3, 20, 40)
    with pytest.raises(TypeError, match=r"torch.Tensor or numpy.ndarray"):
        pixels.bad = [[0]]
    assert PixelData().shape is None


def test_pixel_data_spatial_indexing():
    pixels = PixelData(heat=torch.arange(2 * 4 * 6).reshape(2, 4, 6))
    point = pixels[1, 2]
    assert point.shape == (1, 1) and point.heat[:, 0, 0].tolist() == [8, 32]
    region = pixels[1:3, 2:5]
    assert region.shape == (2, 3) and region.heat.shape == (2, 2, 3)
    assert region.heat[0].tolist() == [[8, 9, 10], [14, 15, 16]]
    assert pixels[-1, -1].heat[:, 0, 0].tolist() == [23, 47]
    with pytest.raises(TypeError, match=r"\(height, width\)"):
        pixels[1]
    with pytest.raises(TypeError, match=r"int or slice"):
        pixels[1, [2]]
    with pytest.raises(IndexError, match=r"out of range"):
        pixels[4, 0]
