"""Bad config input gets an error naming the file, the entry or key, and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from treadle.config import (
    BaseCycleError,
    BaseReferenceError,
    Config,
    ConfigFileNotFoundError,
    ConfigMergeError,
    ConfigParsingError,
    ConfigSyntaxError,
    DuplicateBaseKeyError,
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_top_level_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.py"):
        Config.fromfile(tmp_path / "nope.py")


def test_missing_base_names_includer_entry_and_resolved_path(tmp_path: Path) -> None:
    child = write(tmp_path / "cfgs" / "child.py", "_base_ = ['../bases/gone.py']\na = 1\n")
    with pytest.raises(ConfigFileNotFoundError) as info:
        Config.fromfile(child)
    message = str(info.value)
    assert str(child) in message
    assert "'../bases/gone.py'" in message
    assert str(tmp_path / "bases" / "gone.py") in message
    assert isinstance(info.value, FileNotFoundError)


def test_cycle_shows_the_chain(tmp_path: Path) -> None:
    a = write(tmp_path / "a.py", "_base_ = 'b.py'\n")
    b = write(tmp_path / "b.py", "_base_ = 'c.yaml'\n")
    c = write(tmp_path / "c.yaml", "_base_: a.py\nx: 1\n")
    with pytest.raises(BaseCycleError) as info:
        Config.fromfile(a)
    assert str(info.value).count(" -> ") == 3
    assert f"{a} -> {b} -> {c} -> {a}" in str(info.value)


def test_self_inclusion_is_a_cycle(tmp_path: Path) -> None:
    a = write(tmp_path / "a.py", "_base_ = './a.py'\n")
    with pytest.raises(BaseCycleError, match=r"a\.py"):
        Config.fromfile(a)


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("bad.py", "a = 1\nb = dict(\nc = 2\n", 2),
        ("bad_base.py", "_base_ = []\nx = 1\ny = = 2\n", 3),
        ("bad.yaml", "a: 1\nb: [1, 2\nc: 3\n", 3),
        ("bad.json", '{\n  "a": 1,\n  "b": ,\n}', 3),
        ("bad.toml", "a = 1\nb = \n", 2),
    ],
)
def test_syntax_errors_name_file_and_line(tmp_path: Path, name: str, text: str, line: int) -> None:
    path = write(tmp_path / name, text)
    with pytest.raises(ConfigSyntaxError) as info:
        Config.fromfile(path)
    assert info.value.filename == str(path)
    assert info.value.lineno == line
    assert f"{path}:{line}" in str(info.value)
    assert isinstance(info.value, SyntaxError)


def test_syntax_error_in_a_base_names_the_base(tmp_path: Path) -> None:
    write(tmp_path / "base.py", "x = (\n")
    child = write(tmp_path / "child.py", "_base_ = 'base.py'\n")
    with pytest.raises(ConfigSyntaxError, match=r"base\.py:1"):
        Config.fromfile(child)


def test_runtime_error_in_py_config_notes_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.py", "a = 1\nb = undefined_name + 1\n")
    with pytest.raises(NameError) as info:
        Config.fromfile(path)
    assert any(f"{path}, line 2" in note for note in info.value.__notes__)


def test_duplicate_key_in_sibling_bases_names_both_files(tmp_path: Path) -> None:
    one = write(tmp_path / "one.py", "lr = 0.1\nonly_one = 1\n")
    two = write(tmp_path / "two.yaml", "lr: 0.2\n")
    child = write(tmp_path / "child.py", "_base_ = ['one.py', 'two.yaml']\n")
    with pytest.raises(DuplicateBaseKeyError) as info:
        Config.fromfile(child)
    message = str(info.value)
    assert "'lr'" in message and str(one) in message and str(two) in message
    assert "only_one" not in message
    assert isinstance(info.value, KeyError)


def test_missing_base_reference_names_reference_and_file(tmp_path: Path) -> None:
    write(tmp_path / "base.py", "model = dict(depth=50)\n")
    child = write(tmp_path / "child.py", "_base_ = 'base.py'\nx = {{_base_.model.width}}\n")
    with pytest.raises(BaseReferenceError) as info:
        Config.fromfile(child)
    message = str(info.value)
    assert "{{_base_.model.width}}" in message and str(child) in message and "depth" in message


def test_base_reference_inside_a_string_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "base.py", "root = 'data/'\n")
    child = write(tmp_path / "child.py", "_base_ = 'base.py'\nx = '{{_base_.root}}/sub'\n")
    with pytest.raises(ConfigParsingError, match=r"whole value.*_base_\.root"):
        Config.fromfile(child)


def test_unset_environment_variable_without_default(tmp_path: Path) -> None:
    path = write(tmp_path / "env.py", "root = '{{$TREADLE_SURELY_UNSET_VAR:}}'\n")
    with pytest.raises(ConfigParsingError, match=r"env\.py.*TREADLE_SURELY_UNSET_VAR"):
        Config.fromfile(path)


def test_child_dict_over_base_scalar_suggests_delete(tmp_path: Path) -> None:
    write(tmp_path / "base.py", "model = 'resnet'\n")
    child = write(tmp_path / "child.py", "_base_ = 'base.py'\nmodel = dict(depth=1)\n")
    with pytest.raises(ConfigMergeError, match="_delete_=True"):
        Config.fromfile(child)
    fixed = write(tmp_path / "fixed.py", "_base_ = 'base.py'\nmodel = dict(_delete_=True, d=1)\n")
    assert Config.fromfile(fixed).model == {"d": 1}


def test_bad_base_value(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.py", "_base_ = [1, 2]\n")
    with pytest.raises(ConfigParsingError, match="list of paths"):
        Config.fromfile(path)


def test_unsupported_extension(tmp_path: Path) -> None:
    path = write(tmp_path / "cfg.ini", "a=1\n")
    with pytest.raises(OSError, match=r"\.ini"):
        Config.fromfile(path)


def test_non_mapping_data_config(tmp_path: Path) -> None:
    path = write(tmp_path / "list.yaml", "- 1\n- 2\n")
    with pytest.raises(ConfigParsingError, match="mapping"):
        Config.fromfile(path)


def test_pure_python_base_of_an_old_style_config_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "base.py", "from torch.optim import SGD\noptimizer = dict(type=SGD)\n")
    child = write(tmp_path / "child.py", "_base_ = 'base.py'\n")
    with pytest.raises(ConfigParsingError, match=r"base\.py.*one style"):
        Config.fromfile(child)


def test_old_style_file_with_lazy_import_true_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "base.py", "a = 1\n")
    child = write(tmp_path / "child.py", "_base_ = 'base.py'\nb = 2\n")
    with pytest.raises(ConfigParsingError, match=r"child\.py:1.*_base_"):
        Config.fromfile(child, lazy_import=True)


def test_lazy_import_false_runs_imports_as_plain_python(tmp_path: Path) -> None:
    path = write(tmp_path / "imports.py", "import numpy as np\nsize = int(np.int64(3))\n")
    with pytest.raises(RuntimeError, match="imported lazily"):
        Config.fromfile(path)  # pure-Python style: np is lazy and cannot be called
    assert Config.fromfile(path, lazy_import=False).to_dict() == {"size": 3}


def test_stdlib_imports_are_plain_configs(tmp_path: Path) -> None:
    path = write(tmp_path / "std.py", "import os.path as osp\nname = osp.join('a', 'b')\n")
    assert Config.fromfile(path).to_dict() == {"name": "a/b"}


def test_diamond_inheritance_names_the_shared_grand_base(tmp_path: Path) -> None:
    shared = write(tmp_path / "shared.py", "lr = 0.1\n")
    left = write(tmp_path / "left.py", "_base_ = 'shared.py'\nleft = 1\n")
    right = write(tmp_path / "right.py", "_base_ = 'shared.py'\nright = 1\n")
    child = write(tmp_path / "child.py", "_base_ = ['left.py', 'right.py']\n")
    with pytest.raises(DuplicateBaseKeyError) as info:
        Config.fromfile(child)
    message = str(info.value)
    assert f"'lr' ({left}, from {shared} and {right}, from {shared})" in message
