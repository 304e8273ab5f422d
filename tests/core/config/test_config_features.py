"""Formats and features beyond the parity corpus: TOML, custom_imports, env in data files."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from treadle.config import Config


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_toml_config_with_bases_references_and_variables(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TREADLE_TOML_ROOT", "/env/root")
    write(tmp_path / "base.py", "model = dict(type='Net', depth=50, tags=['a'])\nlr = 0.1\n")
    child = write(
        tmp_path / "child.toml",
        '_base_ = ["base.py"]\n'
        "copy = {{_base_.model}}\n"
        'root = "{{$TREADLE_TOML_ROOT:/default}}"\n'
        'name = "{{fileBasenameNoExtension}}"\n'
        "[model]\n"
        "depth = 101\n",
    )
    cfg = Config.fromfile(child)
    assert cfg.to_dict() == {
        "model": {"type": "Net", "depth": 101, "tags": ["a"]},
        "lr": 0.1,
        "copy": {"type": "Net", "depth": 50, "tags": ["a"]},
        "root": "/env/root",
        "name": "child",
    }
    assert cfg.env_variables == {"TREADLE_TOML_ROOT": "/env/root"}


def test_py_config_inheriting_toml(tmp_path: Path) -> None:
    write(tmp_path / "base.toml", "[optimizer]\ntype = 'SGD'\nlr = 0.1\n")
    child = write(tmp_path / "child.py", "_base_ = 'base.toml'\noptimizer = dict(lr=0.01)\n")
    assert Config.fromfile(child).optimizer == {"type": "SGD", "lr": 0.01}


def test_custom_imports_registers_before_building(tmp_path: Path, monkeypatch) -> None:
    write(
        tmp_path / "my_registry.py", "from treadle.registry import Registry\nREG = Registry('x')\n"
    )
    write(
        tmp_path / "my_optims.py",
        "from my_registry import REG\n"
        "@REG.register_module()\n"
        "class TreadleTestCustomOptim:\n"
        "    def __init__(self, lr=0.1):\n"
        "        self.lr = lr\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg_path = write(
        tmp_path / "cfg.py",
        "custom_imports = dict(imports=['my_optims'], allow_failed_imports=False)\n"
        "optimizer = dict(type='TreadleTestCustomOptim', lr=0.5)\n",
    )
    monkeypatch.delitem(sys.modules, "my_optims", raising=False)
    monkeypatch.delitem(sys.modules, "my_registry", raising=False)
    cfg = Config.fromfile(cfg_path)
    from my_registry import REG

    assert REG.build(cfg.optimizer).lr == 0.5
    assert Config.fromfile(cfg_path, import_custom_modules=False).optimizer.lr == 0.5


def test_custom_imports_failure_names_config_and_module(tmp_path: Path) -> None:
    path = write(tmp_path / "cfg.py", "custom_imports = dict(imports=['no_such_mod_xyz'])\n")
    with pytest.raises(ImportError, match=r"cfg\.py.*'no_such_mod_xyz'.*PYTHONPATH"):
        Config.fromfile(path)
    assert Config.fromfile(path, import_custom_modules=False).custom_imports.imports == [
        "no_such_mod_xyz"
    ]
    allowed = write(
        tmp_path / "ok.py",
        "custom_imports = dict(imports=['no_such_mod_xyz'], allow_failed_imports=True)\n",
    )
    with pytest.warns(UserWarning, match="no_such_mod_xyz failed to import"):
        Config.fromfile(allowed)


def test_predefined_variables_can_be_switched_off(tmp_path: Path) -> None:
    path = write(tmp_path / "p.py", "a = '{{fileBasename}}'\nb = '{{$TREADLE_UNSET_X:d}}'\n")
    assert Config.fromfile(path).to_dict() == {"a": "p.py", "b": "d"}
    raw = Config.fromfile(path, use_predefined_variables=False, use_environment_variables=False)
    assert raw.to_dict() == {"a": "{{fileBasename}}", "b": "{{$TREADLE_UNSET_X:d}}"}


def test_env_variable_in_yaml_and_json(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TREADLE_N", "7")
    y = write(tmp_path / "a.yaml", "n: {{$TREADLE_N:1}}\nroot: {{$TREADLE_ROOT_UNSET:/r}}\n")
    j = write(tmp_path / "a.json", '{"n": {{$TREADLE_N:1}}, "d": "{{fileDirname}}"}')
    assert Config.fromfile(y).to_dict() == {"n": 7, "root": "/r"}
    assert Config.fromfile(j).to_dict() == {"n": 7, "d": str(tmp_path)}


def test_base_dict_modified_in_child_py(tmp_path: Path) -> None:
    write(tmp_path / "base.py", "model = dict(type='ResNet', mean=[1, 2, 3])\n")
    child = write(
        tmp_path / "child.py",
        "_base_ = 'base.py'\n"
        "a = _base_.model\n"
        "a.type = 'MobileNet'\n"
        "rev = _base_.model['mean'][::-1]\n",
    )
    cfg = Config.fromfile(child)
    assert cfg.a == {"type": "MobileNet", "mean": [1, 2, 3]}
    assert cfg.rev == [3, 2, 1]
    cfg.model.mean.append(4)  # the child's copy is its own, as in MMEngine
    assert cfg.a.mean == [1, 2, 3]
