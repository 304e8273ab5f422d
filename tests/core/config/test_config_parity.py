"""Treadle loads every corpus config to the dict MMEngine 0.10.7 gave (committed golden file).

``nox -s parity`` recomputes the golden results with a live MMEngine.
"""

from __future__ import annotations

import json

import pytest
from config_parity import CASES, GOLDEN, compute, dumps

import treadle.config

GOLDEN_RESULTS = json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ours() -> dict:
    return json.loads(dumps(compute(treadle.config)))


@pytest.mark.parametrize("section", ["files", "options", "dict_action"])
def test_golden_covers_every_case(section: str) -> None:
    listed = CASES[section] if section != "files" else CASES["files"]
    assert set(GOLDEN_RESULTS[section]) == set(listed)


@pytest.mark.parametrize("name", CASES["files"])
def test_file_loads_like_mmengine(ours: dict, name: str) -> None:
    expected = GOLDEN_RESULTS["files"][name]
    assert ours["files"][name] == expected
    # same key order too, as dumping and printing show it
    assert json.dumps(ours["files"][name]) == json.dumps(expected)


@pytest.mark.parametrize("name", list(CASES["options"]))
def test_cfg_options_merge_like_mmengine(ours: dict, name: str) -> None:
    assert ours["options"][name] == GOLDEN_RESULTS["options"][name]


@pytest.mark.parametrize("item", CASES["dict_action"])
def test_dict_action_parses_like_mmengine(ours: dict, item: str) -> None:
    assert ours["dict_action"][item] == GOLDEN_RESULTS["dict_action"][item]
