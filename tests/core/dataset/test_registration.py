"""The root registries find the dataset components lazily, in a fresh interpreter."""

from __future__ import annotations

import json


def test_root_registries_import_dataset_modules_on_first_lookup(python):
    out = python(
        "import json, sys\n"
        "from treadle.registry import DATA_SAMPLERS, DATASETS, FUNCTIONS, TRANSFORMS\n"
        "before = 'treadle.dataset.wrappers' in sys.modules\n"
        "found = [DATASETS.get(n).__module__ for n in "
        "('ConcatDataset', 'RepeatDataset', 'ClassBalancedDataset')]\n"
        "found += [DATA_SAMPLERS.get(n).__module__ for n in "
        "('DefaultSampler', 'InfiniteSampler')]\n"
        "found += [FUNCTIONS.get(n).__module__ for n in ('pseudo_collate', 'default_collate')]\n"
        "found.append(TRANSFORMS.get('Compose').__module__)\n"
        "print(json.dumps([before, found]))\n"
    ).stdout
    before, found = json.loads(out)
    assert before is False
    assert found == ["treadle.dataset.wrappers"] * 3 + ["treadle.dataset.sampler"] * 2 + [
        "treadle.dataset.collate"
    ] * 2 + ["treadle.dataset.compose"]


def test_compose_and_the_transforms_registry_stay_torch_free(python):
    out = python(
        "import sys\n"
        "from treadle.dataset import Compose\n"
        "from treadle.registry import TRANSFORMS\n"
        "assert TRANSFORMS.get('Compose') is Compose\n"
        "print('torch' in sys.modules)\n"
    ).stdout
    assert out.strip() == "False"
