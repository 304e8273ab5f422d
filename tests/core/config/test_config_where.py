"""``Config.where`` and the ``treadle config`` command (run as a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from config_parity import CORPUS

from treadle.config import Config


def treadle(*args: str, cwd: Path = CORPUS) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "treadle", "config", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def line_of(path: Path, snippet: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if snippet in line)


def test_where_names_the_most_derived_file_and_line() -> None:
    cfg = Config.fromfile(CORPUS / "sub" / "level4.py")
    origin = cfg.where("model.backbone.depth")
    assert origin.file == str(CORPUS / "sub" / "level4.py")
    assert origin.line == line_of(CORPUS / "sub" / "level4.py", "depth=34")
    origin = cfg.where("model.backbone.norm_cfg.type")
    assert (origin.file, origin.line) == (str(CORPUS / "level3.py"), 2)
    origin = cfg.where("model.head.loss.loss_weight")
    resnet = CORPUS / "_base_" / "models" / "resnet.py"
    assert (origin.file, origin.line) == (str(resnet), line_of(resnet, "loss_weight"))
    assert cfg.where("level").file == str(CORPUS / "sub" / "level4.py")


def test_where_inside_a_list_names_the_file_that_set_the_list() -> None:
    cfg = Config.fromfile(CORPUS / "sub" / "level4.py")
    origin = cfg.where("train_pipeline.1.type")
    assert origin.file == str(CORPUS / "sub" / "level4.py") and origin.value == "PackInputs"


def test_where_in_yaml_and_json() -> None:
    cfg = Config.fromfile(CORPUS / "yaml_child.yaml")
    origin = cfg.where("optimizer.lr")
    assert (origin.file, origin.line) == (str(CORPUS / "yaml_child.yaml"), 5)
    origin = cfg.where("optimizer.momentum")
    assert origin.file == str(CORPUS / "_base_" / "optimizer.yaml") and origin.line == 4
    origin = Config.fromfile(CORPUS / "json_child.json").where("gpu_ids")
    assert origin.file == str(CORPUS / "json_child.json")


def test_where_reports_cfg_options_last_one_winning() -> None:
    cfg = Config.fromfile(CORPUS / "level1.py")
    cfg.merge_from_dict({"model.backbone.depth": 152})
    cfg.merge_from_dict({"model.backbone": dict(depth=7)})
    assert str(cfg.where("model.backbone.depth")) == "--cfg-options model.backbone={'depth': 7}"
    assert cfg.where("model.head.in_channels").file == str(CORPUS / "level1.py")


def test_where_for_a_missing_key() -> None:
    with pytest.raises(KeyError, match=r"model\.nope"):
        Config.fromfile(CORPUS / "level1.py").where("model.nope")


def test_cli_show_prints_the_merged_config_with_options() -> None:
    result = treadle("show", "level3.py", "--cfg-options", "model.backbone.depth=152")
    assert result.returncode == 0, result.stderr
    shown = {}
    exec(result.stdout, shown)  # the output is a loadable .py config
    assert shown["model"]["backbone"]["depth"] == 152
    assert shown["level"] == 3
    result = treadle("show", "level3.py", "--format", "json")
    assert json.loads(result.stdout)["model"]["backbone"]["norm_cfg"]["type"] == "SyncBN"


def test_cli_where_names_file_line_and_options() -> None:
    result = treadle("where", "sub/level4.py", "model.backbone.norm_cfg.type")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "model.backbone.norm_cfg.type = 'SyncBN'",
        f"  set by {CORPUS / 'level3.py'}:2",
    ]
    result = treadle(
        "where", "level1.py", "model.head.num_classes", "--cfg-options", "model.head.num_classes=7"
    )
    assert "set by --cfg-options model.head.num_classes=7" in result.stdout


def test_cli_errors_are_one_clear_line() -> None:
    result = treadle("where", "level1.py", "model.nope")
    assert result.returncode == 1
    assert result.stderr.strip() == "treadle config: error: config key 'model.nope' is not set"
    result = treadle("show", "missing.py")
    assert result.returncode == 1 and "missing.py" in result.stderr
    result = treadle("show", "level1.py", "--cfg-options", "a=(1,2")
    assert result.returncode == 2 and "argument --cfg-options" in result.stderr
    assert "'a=(1,2'" in result.stderr


def test_where_explains_a_stamped_scope(tmp_path: Path) -> None:
    child = tmp_path / "child.py"
    child.write_text("_base_ = ['vision::_base_/default_runtime.py']\n", encoding="utf-8")
    origin = Config.fromfile(child).where("default_hooks.timer._scope_")
    assert origin.value == "vision"
    assert origin.file.endswith("default_runtime.py") and origin.line == 3
    assert "stamped" in str(origin) and "'vision::'" in str(origin)


def test_where_finds_lines_in_yaml_with_base_references() -> None:
    cfg = Config.fromfile(CORPUS / "yaml_child.yaml")
    origin = cfg.where("model_copy.depth")
    assert (origin.file, origin.line) == (str(CORPUS / "yaml_child.yaml"), 6)
