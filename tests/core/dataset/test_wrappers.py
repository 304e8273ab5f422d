"""ConcatDataset, RepeatDataset and ClassBalancedDataset over real annotation files."""

from __future__ import annotations

import math

import numpy as np
import pytest

from treadle.dataset import BaseDataset, ClassBalancedDataset, ConcatDataset, RepeatDataset
from treadle.registry import DATASETS


def values(dataset):
    return [dataset[i]["value"] for i in range(len(dataset))]


def test_concat_indexes_across_datasets(make_ann):
    first = BaseDataset(ann_file=make_ann(3, name="a.json"), metainfo={"classes": ["x"]})
    second = BaseDataset(ann_file=make_ann(2, name="b.json"), metainfo={"classes": ["x"]})
    concat = ConcatDataset([first, second])
    assert len(concat) == 5
    assert values(concat) == [0, 1, 2, 0, 1]
    assert concat.get_data_info(3)["img_path"] == "img_0.jpg"
    assert concat[-1]["value"] == 1
    assert concat._get_ori_dataset_idx(4) == (1, 1)
    assert concat.metainfo == {"classes": ["x"]}
    assert concat._metainfo == {"classes": ["x"]}  # MMEngine's attribute, which subclasses read
    with pytest.raises(ValueError, match="index -6 is out of range"):
        concat[-6]


def test_concat_builds_cfgs_from_the_registry(make_ann):
    cfg = dict(type="DatasetTestToy", ann_file=make_ann(2))
    concat = DATASETS.build(dict(type="ConcatDataset", datasets=[cfg, cfg]))
    assert isinstance(concat.datasets[1], DATASETS.get("DatasetTestToy"))
    assert len(concat) == 4


def test_concat_checks_metainfo(make_ann):
    ann = make_ann(1)
    cat = BaseDataset(ann_file=ann, metainfo={"classes": ["cat"], "palette": [1]})
    dog = BaseDataset(ann_file=ann, metainfo={"classes": ["dog"], "palette": [1]})
    bare = BaseDataset(ann_file=ann, metainfo={"palette": [1]})
    tupled = BaseDataset(ann_file=ann, metainfo={"classes": ("cat",), "palette": [1]})
    with pytest.raises(ValueError, match=r"metainfo\['classes'\] of dataset 1 .* differs"):
        ConcatDataset([cat, dog])
    with pytest.raises(ValueError, match="dataset 1 has no metainfo key 'classes'"):
        ConcatDataset([cat, bare])
    with pytest.raises(ValueError, match="dataset 0 has no metainfo key 'classes'"):
        ConcatDataset([bare, cat])
    with pytest.raises(TypeError, match=r"metainfo\['classes'\] is a tuple in dataset 1"):
        ConcatDataset([cat, tupled])
    assert ConcatDataset([cat, dog], ignore_keys="classes").metainfo["classes"] == ["cat"]
    assert len(ConcatDataset([cat, bare], ignore_keys=["classes"])) == 2


def test_concat_compares_array_metainfo(make_ann):
    ann = make_ann(1)
    a = BaseDataset(ann_file=ann, metainfo={"mean": np.array([1.0, 2.0])})
    b = BaseDataset(ann_file=ann, metainfo={"mean": np.array([1.0, 2.0])})
    c = BaseDataset(ann_file=ann, metainfo={"mean": np.array([1.0, 3.0])})
    assert len(ConcatDataset([a, b])) == 2
    with pytest.raises(ValueError, match=r"metainfo\['mean'\]"):
        ConcatDataset([a, c])


def test_wrappers_reject_non_datasets_and_subsets(make_ann):
    dataset = BaseDataset(ann_file=make_ann(2))
    toy = DATASETS.build(dict(type="DatasetTestToy", ann_file=make_ann(2)))
    with pytest.raises(TypeError, match="ConcatDataset wraps BaseDataset instances or cfg"):
        ConcatDataset([dataset, [1, 2]])
    with pytest.raises(TypeError, match="ignore_keys must be a str or a list"):
        ConcatDataset([dataset], ignore_keys=3)
    with pytest.raises(ValueError, match="at least one dataset"):
        ConcatDataset([])
    for wrapper in (
        ConcatDataset([dataset]),
        RepeatDataset(dataset, 2),
        ClassBalancedDataset(toy, 0.1),
    ):
        with pytest.raises(NotImplementedError, match="Take the subset of the wrapped"):
            wrapper.get_subset(1)
        with pytest.raises(NotImplementedError, match="get_subset/get_subset_"):
            wrapper.get_subset_(1)


def test_repeat_dataset(make_ann):
    repeated = RepeatDataset(BaseDataset(ann_file=make_ann(3)), times=3)
    assert len(repeated) == 9
    assert values(repeated) == [0, 1, 2] * 3
    assert repeated.get_data_info(7)["sample_idx"] == 1
    assert len(RepeatDataset(dict(type="DatasetTestToy", ann_file=make_ann(2)), times=0)) == 0
    with pytest.raises(ValueError, match="times must be an int >= 0"):
        RepeatDataset(BaseDataset(ann_file=make_ann(1)), times=-1)


def test_class_balanced_repeats_rare_categories(make_ann):
    cats = [[0]] * 8 + [[0, 1], [1]] + [[]]  # category 1 in 2 of 11 samples, one has none
    dataset = DATASETS.build(dict(type="DatasetTestToy", ann_file=make_ann(11, cats=cats)))
    thr = 0.5
    balanced = ClassBalancedDataset(dataset, oversample_thr=thr)
    repeat_1 = math.ceil(math.sqrt(thr / (2 / 11)))  # category 1's repeat factor, rounded up
    assert repeat_1 == 2
    expected = list(range(8)) + [8] * repeat_1 + [9] * repeat_1 + [10]
    assert balanced.repeat_indices == expected
    assert len(balanced) == len(expected)
    assert [balanced[i]["value"] for i in range(len(balanced))] == expected
    assert balanced.get_cat_ids(9) == [0, 1]
    assert balanced.metainfo == dataset.metainfo


def test_class_balanced_with_low_threshold_repeats_nothing(make_ann):
    dataset = DATASETS.build(dict(type="DatasetTestToy", ann_file=make_ann(6)))
    balanced = ClassBalancedDataset(dataset, oversample_thr=1e-3)
    assert balanced.repeat_indices == list(range(6))


def test_wrappers_support_lazy_init(tmp_path, make_ann):
    ann = str(tmp_path / "late.json")
    lazy = [BaseDataset(ann_file=ann, lazy_init=True) for _ in range(2)]
    concat = ConcatDataset(lazy, lazy_init=True)
    repeat = RepeatDataset(BaseDataset(ann_file=ann, lazy_init=True), times=2, lazy_init=True)
    toy = DATASETS.build(dict(type="DatasetTestToy", ann_file=ann, lazy_init=True))
    balanced = ClassBalancedDataset(toy, oversample_thr=0.1, lazy_init=True)
    make_ann(3, name="late.json")  # the file appears only now: nothing has read it yet
    assert len(concat) == 6 and concat.datasets[1]._fully_initialized
    assert repeat.get_data_info(4)["value"] == 1
    with pytest.warns(UserWarning, match="ClassBalancedDataset was built with lazy_init"):
        assert balanced[0]["value"] == 0
