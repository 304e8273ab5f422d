"""BaseDataset against real annotation files written to tmp_path."""

from __future__ import annotations

import json
import os
import pickle
from typing import ClassVar

import numpy as np
import pytest

from treadle.dataset import BaseDataset
from treadle.registry import DATASETS


def test_paths_are_joined_and_samples_indexed(tmp_path, make_ann):
    make_ann(3, name="data/annotations/train.json", metainfo={"classes": ["cat", "dog"]})
    dataset = BaseDataset(
        ann_file="annotations/train.json",
        data_root=str(tmp_path / "data"),
        data_prefix=dict(img_path="train/"),
    )
    root = str(tmp_path / "data")
    assert dataset.ann_file == os.path.join(root, "annotations/train.json")
    assert len(dataset) == 3
    assert dataset.get_data_info(1) == {
        "img_path": os.path.join(root, "train/", "img_1.jpg"),
        "value": 1,
        "cats": [1],
        "sample_idx": 1,
    }
    assert dataset[-1]["sample_idx"] == 2  # negative indices count from the end
    assert dataset.metainfo == {"classes": ["cat", "dog"]}


def test_absolute_prefix_and_ann_file_ignore_data_root(tmp_path, make_ann):
    ann = make_ann(2)
    dataset = BaseDataset(
        ann_file=ann, data_root="/elsewhere", data_prefix=dict(img_path=str(tmp_path / "imgs"))
    )
    assert dataset.ann_file == ann
    assert dataset.get_data_info(0)["img_path"] == str(tmp_path / "imgs" / "img_0.jpg")


def test_metainfo_priority_user_over_class_over_file(make_ann):
    ann = make_ann(2, metainfo={"classes": ["file"], "palette": "file", "source": "file"})

    class Toy(BaseDataset):
        METAINFO: ClassVar[dict] = {"classes": ("class",), "palette": [(1, 2, 3)]}

    dataset = Toy(ann_file=ann, metainfo={"classes": ("user",)})
    assert dataset.metainfo == {
        "classes": ("user",),
        "palette": [(1, 2, 3)],
        "source": "file",
    }
    copy = dataset.metainfo
    copy["palette"].append("edited")
    assert dataset.metainfo["palette"] == [(1, 2, 3)]  # the property hands out deep copies
    assert Toy.METAINFO == {"classes": ("class",), "palette": [(1, 2, 3)]}


def test_metainfo_value_naming_a_file_is_read_as_lines(tmp_path, make_ann):
    classes_file = tmp_path / "classes.txt"
    classes_file.write_text("cat\ndog\nbird\n", encoding="utf-8")
    dataset = BaseDataset(
        ann_file=make_ann(1), metainfo={"classes": str(classes_file), "name": "toy"}
    )
    assert dataset.metainfo == {"classes": ["cat", "dog", "bird"], "name": "toy"}


def test_metainfo_must_be_a_dict(make_ann):
    with pytest.raises(TypeError, match=r"metainfo must be a dict"):
        BaseDataset(ann_file=make_ann(1), metainfo=["classes"])


def test_annotation_file_without_data_list_names_the_file(tmp_path):
    ann = tmp_path / "broken.json"
    ann.write_text(json.dumps({"metainfo": {}, "images": []}), encoding="utf-8")
    with pytest.raises(ValueError) as excinfo:
        BaseDataset(ann_file=str(ann))
    message = str(excinfo.value)
    assert str(ann) in message
    assert "'data_list'" in message
    assert "load_data_list" in message  # the way out for other layouts


def test_annotation_file_without_metainfo_names_the_file(tmp_path):
    ann = tmp_path / "nometa.json"
    ann.write_text(json.dumps({"data_list": []}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"nometa.json.*'metainfo'"):
        BaseDataset(ann_file=str(ann))


def test_annotation_file_holding_a_list_names_the_file(tmp_path):
    ann = tmp_path / "list.json"
    ann.write_text(json.dumps([{"img_path": "a.jpg"}]), encoding="utf-8")
    with pytest.raises(TypeError, match=r"list.json.*holds a list"):
        BaseDataset(ann_file=str(ann))


def test_yaml_and_pickle_annotation_files_load(tmp_path):
    records = [{"img_path": "a.jpg", "value": 0}, {"img_path": "b.jpg", "value": 1}]
    pkl = tmp_path / "ann.pkl"
    pkl.write_bytes(pickle.dumps({"metainfo": {"k": 1}, "data_list": records}))
    yml = tmp_path / "ann.yaml"
    yml.write_text(
        "metainfo: {k: 2}\ndata_list:\n  - {img_path: a.jpg, value: 0}\n"
        "  - {img_path: b.jpg, value: 1}\n",
        encoding="utf-8",
    )
    for path, k in ((pkl, 1), (yml, 2)):
        dataset = BaseDataset(ann_file=str(path))
        assert [dataset[i]["img_path"] for i in range(2)] == ["a.jpg", "b.jpg"]
        assert dataset.metainfo == {"k": k}


def test_missing_ann_file_is_explained():
    with pytest.raises(ValueError, match=r"has no ann_file.*load_data_list"):
        BaseDataset()


def test_record_without_prefix_key_names_file_and_key(tmp_path):
    ann = tmp_path / "ann.json"
    ann.write_text(
        json.dumps({"metainfo": {}, "data_list": [{"seg_map": "a.png"}]}), encoding="utf-8"
    )
    with pytest.raises(ValueError, match=r"ann.json.*no key 'img_path'"):
        BaseDataset(ann_file=str(ann))


def test_non_string_prefix_is_rejected(make_ann):
    with pytest.raises(TypeError, match=r"data_prefix\['img_path'\] must be a str"):
        BaseDataset(ann_file=make_ann(1), data_prefix=dict(img_path=3))


def test_parse_data_info_may_return_several_samples(make_ann):
    class Video(BaseDataset):
        def parse_data_info(self, raw):
            return [{"frame": raw["value"], "k": k} for k in range(3)]

    dataset = Video(ann_file=make_ann(2))
    assert len(dataset) == 6
    assert [dataset[i]["frame"] for i in range(6)] == [0, 0, 0, 1, 1, 1]

    class Broken(BaseDataset):
        def parse_data_info(self, raw):
            return raw["value"]

    with pytest.raises(TypeError, match=r"data_list\[0\] of .*ann.json.*returned int"):
        Broken(ann_file=make_ann(2))


def test_filter_data_and_indices_apply_at_full_init(make_ann):
    class EvenOnly(BaseDataset):
        def filter_data(self):
            keep = self.filter_cfg["keep"]
            return [info for info in self.data_list if info["value"] % 2 == keep]

    dataset = EvenOnly(ann_file=make_ann(10), filter_cfg=dict(keep=0))
    assert [dataset[i]["value"] for i in range(len(dataset))] == [0, 2, 4, 6, 8]
    dataset = EvenOnly(ann_file=make_ann(10), filter_cfg=dict(keep=0), indices=-2)
    assert [dataset[i]["value"] for i in range(len(dataset))] == [6, 8]
    dataset = BaseDataset(ann_file=make_ann(10), indices=[7, 2, -1])
    assert [dataset[i]["value"] for i in range(len(dataset))] == [7, 2, 9]
    # a cap above the size (a quick run's indices=100) keeps every sample, as in MMEngine
    assert len(BaseDataset(ann_file=make_ann(10), indices=100)) == 10
    assert len(BaseDataset(ann_file=make_ann(10), indices=-100)) == 10
    assert BaseDataset(ann_file=make_ann(10), data_root=None).data_root is None


@pytest.mark.parametrize("serialize_data", [True, False])
def test_samples_are_independent_copies(make_ann, serialize_data):
    dataset = BaseDataset(ann_file=make_ann(4), serialize_data=serialize_data)
    first = dataset[0]
    first["cats"].append(99)
    first["value"] = "edited"
    assert dataset[0]["cats"] == [0]
    assert dataset[0]["value"] == 0


def test_serialized_data_list_lives_in_two_numpy_buffers(make_ann):
    dataset = BaseDataset(ann_file=make_ann(50))
    plain = BaseDataset(ann_file=make_ann(50), serialize_data=False)
    assert dataset.data_list == []
    assert dataset.data_bytes.dtype == np.uint8 and dataset.data_bytes.ndim == 1
    assert dataset.data_address.dtype == np.int64 and len(dataset.data_address) == 50
    assert int(dataset.data_address[-1]) == dataset.data_bytes.nbytes
    assert [dataset[i] for i in range(50)] == [plain[i] for i in range(50)]


def test_empty_data_list_serializes(tmp_path):
    ann = tmp_path / "empty.json"
    ann.write_text(json.dumps({"metainfo": {}, "data_list": []}), encoding="utf-8")
    dataset = BaseDataset(ann_file=str(ann))
    assert len(dataset) == 0
    with pytest.raises(IndexError, match=r"out of range for a dataset of 0 samples"):
        dataset.get_data_info(0)


def test_out_of_range_index_is_an_index_error(make_ann):
    dataset = BaseDataset(ann_file=make_ann(3))
    for idx in (3, -4):
        with pytest.raises(IndexError, match=rf"index {idx} is out of range"):
            dataset.get_data_info(idx)


def test_lazy_init_reads_the_file_only_when_needed(tmp_path, make_ann):
    ann = tmp_path / "later.json"
    dataset = BaseDataset(ann_file=str(ann), metainfo={"name": "lazy"}, lazy_init=True)
    assert dataset.metainfo == {"name": "lazy"}  # metainfo is there before the file exists
    make_ann(4, name="later.json", metainfo={"classes": ["a"]})
    assert len(dataset) == 4  # __len__ runs full_init
    assert dataset.metainfo == {"name": "lazy", "classes": ["a"]}

    again = BaseDataset(ann_file=str(ann), lazy_init=True)
    with pytest.warns(UserWarning, match=r"lazy_init=True.*call full_init"):
        assert again[2]["value"] == 2
    ann.unlink()
    again.full_init()  # a second full_init is a no-op: it does not read the file again
    assert len(again) == 4


@pytest.mark.parametrize("serialize_data", [True, False])
def test_get_subset_forms(make_ann, serialize_data):
    dataset = BaseDataset(ann_file=make_ann(6), serialize_data=serialize_data)

    def values(ds):
        return [ds[i]["value"] for i in range(len(ds))]

    assert values(dataset.get_subset(2)) == [0, 1]
    assert values(dataset.get_subset(-2)) == [4, 5]
    assert values(dataset.get_subset(0)) == []
    assert values(dataset.get_subset(6)) == [0, 1, 2, 3, 4, 5]
    assert values(dataset.get_subset([5, 0, -2])) == [5, 0, 4]
    assert values(dataset) == [0, 1, 2, 3, 4, 5]  # get_subset leaves the original alone
    sub = dataset.get_subset([1, 3])
    assert sub[0]["sample_idx"] == 0  # indices are renumbered in the subset
    assert type(sub) is BaseDataset and sub.pipeline is not dataset.pipeline

    dataset.get_subset_([3, 1, 2])
    assert values(dataset) == [3, 1, 2]
    dataset.get_subset_(-1)
    assert values(dataset) == [2]


@pytest.mark.parametrize(
    ("indices", "error", "match"),
    [
        (7, ValueError, "asks for 7 samples of a dataset of 6"),
        (-7, ValueError, "asks for 7 samples"),
        ([0, 6], IndexError, "index 6 in indices is out of range"),
        ("0", TypeError, "indices must be an int or a sequence of ints"),
        (1.5, TypeError, "indices must be an int or a sequence of ints"),
    ],
)
def test_bad_subset_indices(make_ann, indices, error, match):
    dataset = BaseDataset(ann_file=make_ann(6))
    with pytest.raises(error, match=match):
        dataset.get_subset(indices)


def test_pipeline_from_registry_cfgs_including_a_plugin_scope(make_ann):
    dataset = BaseDataset(
        ann_file=make_ann(3),
        pipeline=[
            dict(type="DatasetTestMakeImage"),
            dict(type="vision.RandomFlip", prob=1.0, direction="horizontal"),
        ],
    )
    sample = dataset[2]
    expected = np.arange(6).reshape(2, 3)[:, ::-1] + 200
    np.testing.assert_array_equal(sample["img"], expected)
    assert sample["flip"] is True and sample["flip_direction"] == "horizontal"


def test_failed_samples_are_refetched(make_ann):
    np.random.seed(0)
    dataset = BaseDataset(ann_file=make_ann(10), pipeline=[dict(type="DatasetTestDropOdd")])
    values = [dataset[1]["value"] for _ in range(20)]
    assert all(value % 2 == 0 for value in values)
    assert len(set(values)) > 1  # another random sample each time


def test_refetch_gives_up_after_max_refetch(tmp_path):
    ann = tmp_path / "odd.json"
    ann.write_text(
        json.dumps({"metainfo": {}, "data_list": [{"img_path": "a", "value": 1}]}),
        encoding="utf-8",
    )
    dataset = BaseDataset(
        ann_file=str(ann), pipeline=[dict(type="DatasetTestDropOdd")], max_refetch=3
    )
    with pytest.raises(RuntimeError, match=r"returned None for 4 samples.*max_refetch=3"):
        dataset[0]


def test_test_mode_does_not_refetch(make_ann):
    dataset = BaseDataset(
        ann_file=make_ann(4), pipeline=[dict(type="DatasetTestDropOdd")], test_mode=True
    )
    assert dataset[2]["value"] == 2
    with pytest.raises(RuntimeError, match=r"test pipeline .* returned None for sample 1"):
        dataset[1]


def test_get_cat_ids_must_be_implemented(make_ann):
    with pytest.raises(NotImplementedError, match=r"BaseDataset must implement get_cat_ids"):
        BaseDataset(ann_file=make_ann(1)).get_cat_ids(0)


def test_registered_dataset_builds_from_cfg(make_ann):
    dataset = DATASETS.build(
        dict(type="DatasetTestToy", ann_file=make_ann(3, cats=[[0], [1], [0, 1]]))
    )
    assert dataset.get_cat_ids(2) == [0, 1]
    assert dataset.metainfo["classes"] == ("cat", "dog")


def test_dataset_survives_pickling_for_spawned_workers(make_ann):
    dataset = BaseDataset(ann_file=make_ann(5), pipeline=[dict(type="vision.RandomFlip")])
    clone = pickle.loads(pickle.dumps(dataset))
    assert [clone.get_data_info(i) for i in range(5)] == [
        dataset.get_data_info(i) for i in range(5)
    ]
    assert clone.data_bytes is not dataset.data_bytes


def test_force_full_init_on_a_custom_wrapper(make_ann):
    from treadle.dataset import force_full_init

    class Reversed:
        def __init__(self, dataset):
            self.dataset = dataset
            self._fully_initialized = False
            self.inits = 0

        def full_init(self):
            self.inits += 1
            self.dataset.full_init()
            self._length = len(self.dataset)
            self._fully_initialized = True

        @force_full_init
        def get_data_info(self, idx):
            return self.dataset.get_data_info(self._length - 1 - idx)

    wrapper = Reversed(BaseDataset(ann_file=make_ann(4), lazy_init=True))
    assert wrapper.get_data_info(0)["value"] == 3
    assert wrapper.get_data_info(3)["value"] == 0
    assert wrapper.inits == 1

    class NoFullInit:
        @force_full_init
        def get_data_info(self, idx):
            return idx

    with pytest.raises(AttributeError, match="NoFullInit has no full_init"):
        NoFullInit().get_data_info(0)
