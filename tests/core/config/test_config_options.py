"""``--cfg-options``/``merge_from_dict``: dotted keys, list indices, malformed values."""

from __future__ import annotations

import argparse

import pytest
from config_parity import CORPUS

from treadle.config import CfgOptionsError, Config, DictAction, parse_options


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="train", exit_on_error=False)
    p.add_argument("--cfg-options", nargs="+", action=DictAction)
    return p


def test_dotted_keys_and_list_indices() -> None:
    cfg = Config.fromfile(CORPUS / "with_options.py")
    cfg.merge_from_dict(
        {"model.backbone.depth": 18, "train_pipeline.1.scale": (512, 512), "new.key": [1]}
    )
    assert cfg.model.backbone.depth == 18
    assert cfg.train_pipeline[1].scale == (512, 512)
    assert cfg.train_pipeline[1].type == "RandomResizedCrop"
    assert cfg.new.key == [1]


def test_allow_list_keys_false_refuses_indices() -> None:
    cfg = Config.fromfile(CORPUS / "with_options.py")
    with pytest.raises(CfgOptionsError, match=r"train_pipeline\.1\.scale"):
        cfg.merge_from_dict({"train_pipeline.1.scale": 1}, allow_list_keys=False)


def test_failed_merge_names_option_and_merges_nothing() -> None:
    cfg = Config.fromfile(CORPUS / "with_options.py")
    before = cfg.to_dict()
    with pytest.raises(CfgOptionsError) as info:
        cfg.merge_from_dict({"model.backbone.depth": 1, "train_pipeline.9.scale": 2})
    assert "train_pipeline.9.scale" in str(info.value) and "out of range" in str(info.value)
    assert cfg.to_dict() == before
    with pytest.raises(CfgOptionsError, match=r"data_root\.x"):
        cfg.merge_from_dict({"model.head.num_classes": 3, "data_root.x": 1})
    assert cfg.to_dict() == before


def test_dict_action_is_repeatable_like_extend() -> None:
    args = parser().parse_args(["--cfg-options", "a=1", "b=[1,2]", "--cfg-options", "c=(x,y)"])
    assert args.cfg_options == {"a": 1, "b": [1, 2], "c": ("x", "y")}


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ("noequals", "KEY=VALUE"),
        ("=1", "KEY=VALUE"),
        ("a..b=1", "KEY=VALUE"),
        ("a=[1,2", "missing ']'"),
        ("a=[(1,2],3]", "unbalanced"),
        ("a=1,2)", "unbalanced"),
    ],
)
def test_malformed_option_names_the_option(item: str, reason: str) -> None:
    with pytest.raises(argparse.ArgumentError) as info:
        parser().parse_args(["--cfg-options", "good=1", item])
    assert "--cfg-options" in str(info.value)
    assert repr(item) in str(info.value) and reason in str(info.value)
    with pytest.raises(CfgOptionsError, match=reason.replace("[", r"\[")):
        parse_options([item])


def test_malformed_option_on_the_command_line_exits_with_usage(python) -> None:
    result = python(
        "import argparse\n"
        "from treadle.config import DictAction\n"
        "p = argparse.ArgumentParser(prog='train')\n"
        "p.add_argument('--cfg-options', nargs='+', action=DictAction)\n"
        "p.parse_args(['--cfg-options', 'model.depth=[1,2'])\n",
        check=False,
    )
    assert result.returncode == 2
    assert "argument --cfg-options: malformed value" in result.stderr
    assert "'model.depth=[1,2'" in result.stderr


def test_mmengine_parser_names_are_available() -> None:
    assert DictAction._parse_iterable("[(1,2),a]") == [(1, 2), "a"]
    assert DictAction._parse_int_float_bool("False") is False
