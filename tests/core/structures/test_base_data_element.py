"""BaseDataElement: metainfo vs data fields, copies, conversions, guards and repr."""

import copy
import pickle

import numpy as np
import pytest
import torch

from treadle.structures import BaseDataElement, InstanceData


def make_element() -> BaseDataElement:
    return BaseDataElement(
        bboxes=torch.rand(5, 4),
        scores=torch.rand(5),
        metainfo=dict(img_id=1, img_shape=(640, 640)),
    )


def test_fields_are_attributes_and_split_by_kind():
    element = make_element()
    assert element.metainfo_keys() == ["img_id", "img_shape"]
    assert element.keys() == ["bboxes", "scores"]
    assert element.all_keys() == ["img_id", "img_shape", "bboxes", "scores"]
    assert element.img_shape == (640, 640)
    assert element.metainfo == {"img_id": 1, "img_shape": (640, 640)}
    assert [k for k, _ in element.items()] == ["bboxes", "scores"]
    assert element.metainfo_values() == [1, (640, 640)]
    assert len(element.all_values()) == 4
    assert dict(element.all_items())["img_id"] == 1
    assert "bboxes" in element and "img_id" in element and "labels" not in element
    assert element.get("labels", "missing") == "missing"


def test_set_metainfo_deep_copies_and_attribute_sets_data():
    meta = {"img_shape": [3, 3]}
    element = BaseDataElement()
    element.set_metainfo(meta)
    meta["img_shape"].append(4)
    assert element.img_shape == [3, 3]
    element.labels = torch.tensor([1])
    assert element.keys() == ["labels"]
    assert element.metainfo_keys() == ["img_shape"]


def test_same_name_in_metainfo_and_data_is_refused():
    element = make_element()
    with pytest.raises(AttributeError, match=r"img_id.*already a metainfo field"):
        element.img_id = torch.tensor([3])
    with pytest.raises(AttributeError, match=r"bboxes.*already a data field"):
        element.set_metainfo({"bboxes": 1})


def test_private_and_method_names_are_guarded():
    element = make_element()
    with pytest.raises(AttributeError, match=r"_data_fields is a private attribute"):
        element._data_fields = set()
    with pytest.raises(AttributeError, match=r"private attribute"):
        del element._metainfo_fields
    with pytest.raises(AttributeError, match=r"'keys'.*taken by"):
        element.keys = [1]
    with pytest.raises(AttributeError, match=r"'metainfo'.*taken by"):
        element.set_metainfo({"metainfo": 1})


def test_property_fields_of_a_data_sample():
    class DetDataSample(BaseDataElement):
        @property
        def proposals(self) -> InstanceData:
            return self._proposals

        @proposals.setter
        def proposals(self, value: InstanceData) -> None:
            self.set_field(value, "_proposals", dtype=InstanceData)

        @proposals.deleter
        def proposals(self) -> None:
            del self._proposals

    sample = DetDataSample()
    sample.proposals = InstanceData(bboxes=torch.rand(3, 4))
    assert sample.keys() == ["proposals"]
    assert len(sample.proposals) == 3
    assert "DATA FIELDS\n    proposals: <InstanceData(" in repr(sample)
    with pytest.raises(TypeError, match=r"_proposals.*InstanceData.*got Tensor"):
        sample.proposals = torch.rand(3, 4)
    del sample.proposals
    assert sample.keys() == [] and "proposals" not in sample


def test_new_and_clone():
    element = make_element()
    renamed = element.new(metainfo=dict(img_id=2))
    assert renamed.img_id == 2 and "img_shape" not in renamed
    assert renamed.bboxes is element.bboxes
    relabelled = element.new(labels=torch.tensor([1]))
    assert relabelled.keys() == ["labels"] and relabelled.img_id == 1
    cloned = element.clone()
    assert type(cloned) is BaseDataElement
    assert torch.equal(cloned.bboxes, element.bboxes)
    cloned.bboxes[0, 0] = -1.0
    assert element.bboxes[0, 0] != -1.0  # a real copy, as Tensor.clone()


def test_delete_and_pop():
    element = make_element()
    del element.bboxes
    assert element.keys() == ["scores"]
    assert element.pop("scores").shape == (5,)
    assert element.pop("scores", None) is None
    del element.img_shape
    assert element.pop("img_id") == 1
    assert element.all_keys() == []
    with pytest.raises(KeyError, match=r"'nothing' is not a metainfo or data field"):
        element.pop("nothing")


def test_tensor_like_conversions():
    element = BaseDataElement(
        scores=torch.rand(3, requires_grad=True) * 2,
        nested=BaseDataElement(mask=torch.ones(2)),
        name="img.jpg",
        metainfo=dict(img_id=3),
    )
    as_numpy = element.numpy()
    assert isinstance(as_numpy.scores, np.ndarray)
    assert isinstance(as_numpy.nested.mask, np.ndarray)
    assert as_numpy.name == "img.jpg" and as_numpy.img_id == 3
    back = as_numpy.to_tensor()
    assert isinstance(back.scores, torch.Tensor) and isinstance(back.nested.mask, torch.Tensor)
    assert element.detach().scores.requires_grad is False
    assert element.scores.requires_grad is True
    doubled = element.to(torch.float64)
    assert doubled.scores.dtype == torch.float64 and doubled.nested.mask.dtype == torch.float64
    assert element.cpu().scores.device.type == "cpu"
    assert element.to_dict()["nested"] == {"mask": element.nested.mask}
    assert element.to_dict()["img_id"] == 3


def test_repr_lists_both_kinds():
    text = repr(make_element())
    assert text.startswith("<BaseDataElement(\n\n    META INFORMATION\n    img_id: 1\n")
    assert "\n\n    DATA FIELDS\n    bboxes: tensor(" in text
    assert text.rstrip().endswith(">") and " at 0x" in text


def test_pickle_and_deepcopy_round_trip():
    element = make_element()
    for copied in (pickle.loads(pickle.dumps(element)), copy.deepcopy(element)):
        assert copied.keys() == element.keys()
        assert torch.equal(copied.scores, element.scores)
        copied.extra = torch.tensor([1.0])
        assert "extra" not in element


def test_bad_arguments():
    with pytest.raises(TypeError, match=r"metainfo must be a dict"):
        BaseDataElement(metainfo=[1, 2])
    with pytest.raises(ValueError, match=r"field_type"):
        BaseDataElement().set_field(1, "x", field_type="meta")
    with pytest.raises(TypeError, match=r"update"):
        BaseDataElement().update({"a": 1})
