"""``scope::path`` bases resolve through the installed plugin and build in its scope."""

from __future__ import annotations

from pathlib import Path

import pytest

from treadle.config import Config, ConfigParsingError
from treadle.plugins import UnknownScopeError, config_dir
from treadle.registry import TRANSFORMS


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_scoped_base_is_read_from_the_plugin_config_dir(tmp_path: Path) -> None:
    child = write(
        tmp_path / "child.py",
        "_base_ = ['vision::_base_/pipelines/flip.py']\nflip = dict(prob=0.25)\n",
    )
    cfg = Config.fromfile(child)
    expected_dir = config_dir("vision")
    assert str(expected_dir / "_base_" / "pipelines" / "flip.py") in cfg.text
    # the outermost dicts with a `type` get _scope_; an existing _scope_ is kept
    assert cfg.flip_pipeline[0]._scope_ == "vision"
    assert cfg.flip_pipeline[1]._scope_ == "vision"
    assert cfg.flip.to_dict() == {
        "type": "RandomFlip",
        "prob": 0.25,
        "inner": {"type": "RandomFlip"},
        "_scope_": "vision",
    }
    # dicts without `type` are not stamped
    assert "_scope_" not in cfg.flip_settings


def test_inherited_scoped_dicts_build_in_their_scope(tmp_path: Path) -> None:
    child = write(tmp_path / "child.py", "_base_ = 'vision::_base_/pipelines/flip.py'\n")
    cfg = Config.fromfile(child)
    flip = TRANSFORMS.build(cfg.flip_pipeline[0])
    assert type(flip).__name__ == "RandomFlip"
    assert type(flip).__module__ == "treadle_vision.transforms"
    result = flip({"img": __import__("numpy").arange(6).reshape(2, 3)})
    assert result["flip"] is True and result["img"][0].tolist() == [2, 1, 0]


def test_scoped_base_with_its_own_relative_bases(tmp_path: Path) -> None:
    child = write(tmp_path / "child.py", "_base_ = ['vision::flip_demo.py']\nlog_level = 'DEBUG'\n")
    cfg = Config.fromfile(child)
    assert cfg.default_scope == "vision" and cfg.log_level == "DEBUG"
    assert cfg.default_hooks.timer._scope_ == "vision"
    assert cfg.train_pipeline == [{"type": "RandomFlip", "prob": 1.0, "_scope_": "vision"}]


def test_fromfile_accepts_a_scoped_path() -> None:
    cfg = Config.fromfile("vision::_base_/default_runtime.py")
    assert cfg.filename == "vision::_base_/default_runtime.py"
    assert cfg.default_hooks.logger == {"type": "LoggerHook", "interval": 50, "_scope_": "vision"}


def test_unknown_scope_lists_installed_scopes(tmp_path: Path) -> None:
    child = write(tmp_path / "child.py", "_base_ = ['nosuchscope::a/b.py']\n")
    with pytest.raises(UnknownScopeError) as info:
        Config.fromfile(child)
    message = str(info.value)
    assert str(child) in message and "'nosuchscope::a/b.py'" in message
    assert "installed scopes:" in message and "vision" in message and "acme" in message


def test_scope_without_config_dir_is_explained(tmp_path: Path) -> None:
    child = write(tmp_path / "child.py", "_base_ = ['acme::a.py']\n")
    with pytest.raises(UnknownScopeError, match="ships no configs"):
        Config.fromfile(child)


def test_missing_file_in_a_scope(tmp_path: Path) -> None:
    child = write(tmp_path / "child.py", "_base_ = ['vision::_base_/nope.py']\n")
    with pytest.raises(FileNotFoundError, match=r"vision::_base_/nope.py.*configs"):
        Config.fromfile(child)


def test_malformed_scoped_path(tmp_path: Path) -> None:
    child = write(tmp_path / "child.py", "_base_ = ['vision::a::b.py']\n")
    with pytest.raises(ConfigParsingError, match="one '::'"):
        Config.fromfile(child)
