"""Dumping to .py/.json/.yaml and loading back gives an equal dict; the .py form is readable."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from config_parity import CASES, CORPUS

from treadle.config import Config
from treadle.config.config_dict import to_plain


def lists_for_tuples(value: object) -> object:
    """JSON has no tuples: what a JSON round trip gives back."""
    if isinstance(value, dict):
        return {k: lists_for_tuples(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [lists_for_tuples(v) for v in value]
    return value


def loadable_cases() -> list[str]:
    # int keys cannot be JSON/YAML-dumped faithfully; py_values is checked on .py alone
    return [name for name in CASES["files"] if name != "py_values.py"]


@pytest.mark.filterwarnings("ignore:.*failed to import:UserWarning")
@pytest.mark.filterwarnings("ignore:.*will be deprecated:DeprecationWarning")
@pytest.mark.parametrize("name", loadable_cases())
@pytest.mark.parametrize("ext", [".py", ".json", ".yaml", ".yml"])
def test_dump_then_load_is_equal(tmp_path: Path, name: str, ext: str, monkeypatch) -> None:
    monkeypatch.setenv("TREADLE_PARITY_SET", "x")
    cfg = Config.fromfile(CORPUS / name)
    target = tmp_path / f"dumped{ext}"
    assert cfg.dump(target) is None
    again = Config.fromfile(target)
    if ext == ".json":
        assert again.to_dict() == lists_for_tuples(cfg.to_dict())
    else:
        assert again.to_dict() == cfg.to_dict()
    if ext == ".py":
        assert list(again.to_dict()) == list(cfg.to_dict())  # key order kept


def test_every_value_type_round_trips_through_py(tmp_path: Path) -> None:
    cfg = Config.fromfile(CORPUS / "py_values.py")
    extra = {"inf": float("inf"), "ninf": float("-inf"), "kw": {"lambda": 1, "x": (1,)}}
    cfg.merge_from_dict(extra)
    cfg.dump(tmp_path / "out.py")
    assert Config.fromfile(tmp_path / "out.py").to_dict() == cfg.to_dict()


def test_pretty_text_is_formatted_python() -> None:
    cfg = Config.fromfile(CORPUS / "inherit_list.py")
    text = cfg.pretty_text
    ast.parse(text)
    assert all(len(line) <= 100 for line in text.splitlines())
    assert "model = dict(\n    type='ImageClassifier',\n    backbone=dict(\n" in text
    assert "val_evaluator = dict(type='Accuracy', topk=(1, 5))\n" in text
    assert cfg.dump() == text
    assert text == Config.fromfile(CORPUS / "inherit_list.py").pretty_text  # stable


def test_dump_without_file_uses_the_source_format(monkeypatch) -> None:
    import json

    cfg = Config.fromfile(CORPUS / "json_child.json")
    assert json.loads(cfg.dump()) == to_plain(lists_for_tuples(cfg.to_dict()))
    yaml_cfg = Config.fromfile(CORPUS / "yml_str_base.yml")
    assert "log_level: DEBUG" in yaml_cfg.dump()


def test_dump_dict_config_and_refuse_unknown_format(tmp_path: Path) -> None:
    cfg = Config(dict(a=1, b=2))
    cfg.dump(tmp_path / "d.py")
    assert (tmp_path / "d.py").read_text() == "a = 1\nb = 2\n"
    with pytest.raises(OSError, match=r"\.txt"):
        cfg.dump(tmp_path / "d.txt")


def test_non_identifier_top_level_key_cannot_be_python(tmp_path: Path) -> None:
    cfg = Config.fromstring('{"a-b": 1}', ".json")
    with pytest.raises(Exception, match=r"'a-b'.*json or \.yaml"):
        cfg.dump(tmp_path / "x.py")
    cfg.dump(tmp_path / "x.yaml")
    assert Config.fromfile(tmp_path / "x.yaml").to_dict() == {"a-b": 1}
