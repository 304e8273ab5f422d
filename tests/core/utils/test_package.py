"""Installed distributions, module imports by name and objects by dotted path."""

import os
import sys
import textwrap

import pytest
import yaml

import treadle
from treadle.utils import (
    get_installed_path,
    get_object_from_string,
    import_modules_from_strings,
    is_installed,
)


@pytest.fixture
def src(tmp_path, monkeypatch):
    """A directory on sys.path with a package, a namespace package and a broken module."""
    pkg = tmp_path / "utilpkg_demo"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from utilpkg_demo.nms import nms\n")
    (pkg / "nms.py").write_text("def nms():\n    return 'the function, not the module'\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "tools.py").write_text(
        textwrap.dedent(
            """
            class Tool:
                class Inner:
                    value = 42
            """
        )
    )
    (tmp_path / "utilns_demo" / "part").mkdir(parents=True)
    (tmp_path / "utilns_demo" / "part" / "__init__.py").write_text("")
    (tmp_path / "utilbroken_demo.py").write_text("import utilmissing_dependency_zz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name in list(sys.modules):
        if name.startswith(("utilpkg_demo", "utilns_demo", "utilbroken_demo")):
            del sys.modules[name]


def test_is_installed(src):
    assert is_installed("PyYAML") and is_installed("pyyaml")  # distribution names
    assert is_installed("yaml")  # a module name
    assert is_installed("treadle-core")  # an editable install
    assert is_installed("utilpkg_demo")  # on sys.path only
    assert not is_installed("utilns_demo")  # a namespace package has no single origin
    assert not is_installed("utilnothing_zz") and not is_installed("utilnothing_zz.sub")


def test_installed_path(src):
    assert get_installed_path("yaml") == os.path.dirname(yaml.__file__)
    assert get_installed_path("PyYAML") == os.path.dirname(yaml.__file__)
    assert get_installed_path("treadle-core") == os.path.dirname(treadle.__file__)
    assert get_installed_path("utilpkg_demo") == str(src / "utilpkg_demo")
    with pytest.raises(RuntimeError, match="utilns_demo is a namespace package"):
        get_installed_path("utilns_demo")
    with pytest.raises(ModuleNotFoundError, match=r"'utilnothing-zz' is neither .*pip install"):
        get_installed_path("utilnothing-zz")


def test_import_modules_from_strings(src):
    assert import_modules_from_strings(None) is None
    assert import_modules_from_strings([]) is None
    assert import_modules_from_strings("os.path") is os.path
    first, second = import_modules_from_strings(["utilpkg_demo", "utilpkg_demo.sub.tools"])
    assert first.__name__ == "utilpkg_demo" and second.Tool.Inner.value == 42
    with pytest.warns(UserWarning, match="skipping utilnothing_zz: it did not import"):
        got = import_modules_from_strings(["os", "utilnothing_zz"], allow_failed_imports=True)
    assert got == [os, None]
    with pytest.raises(ImportError, match=r"Failed to import utilbroken_demo: .*utilmissing_dep"):
        import_modules_from_strings(["utilbroken_demo"])
    with pytest.raises(TypeError, match=r"module name or a list of them, got dict: \{'a': 1\}"):
        import_modules_from_strings({"a": 1})
    with pytest.raises(
        TypeError, match=r"imports holds 3 \(int\); each entry must be a module name"
    ):
        import_modules_from_strings(["os", 3])


def test_object_from_string(src):
    assert get_object_from_string("os.path.join") is os.path.join
    assert get_object_from_string("os.path") is os.path
    assert get_object_from_string("utilpkg_demo.sub.tools.Tool.Inner.value") == 42
    assert get_object_from_string("collections.OrderedDict.fromkeys") is not None
    # a package attribute shadowing a same-named submodule: the attribute wins
    assert get_object_from_string("utilpkg_demo.nms")() == "the function, not the module"
    assert get_object_from_string("utilnothing_zz.x") is None
    assert get_object_from_string("os.no_such_name") is None
    assert get_object_from_string("utilpkg_demo.sub.tools.Tool.missing") is None
    with pytest.raises(ModuleNotFoundError, match="utilmissing_dependency_zz"):
        get_object_from_string("utilbroken_demo.anything")  # broken, not absent
    with pytest.raises(TypeError, match="dotted path str, got 3"):
        get_object_from_string(3)
