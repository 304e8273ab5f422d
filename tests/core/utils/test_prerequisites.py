"""requires_package / requires_executable / check_prerequisites, checked at call time."""

import os
import stat

import pytest

from treadle.utils import check_prerequisites, requires_executable, requires_package


def test_requires_package():
    @requires_package("json")
    def ok():
        return "ran"

    @requires_package(["json", "utilmissing_pkg_zz", "utilother_zz"])
    def needs_missing():
        raise AssertionError("must not run")

    assert ok() == "ran" and ok.__name__ == "ok"
    with pytest.raises(RuntimeError) as info:
        needs_missing()
    message = str(info.value)
    assert "needs_missing() needs the Python package(s) 'utilmissing_pkg_zz', 'utilother_zz'" in (
        message
    )
    assert "pip install utilmissing_pkg_zz utilother_zz" in message
    assert "'json'" not in message


def test_requires_executable_looks_on_path(tmp_path, monkeypatch):
    @requires_executable("utiltool_zz")
    def run_tool():
        return "ran"

    with pytest.raises(RuntimeError, match="needs the program\\(s\\) 'utiltool_zz', not found"):
        run_tool()
    tool = tmp_path / "utiltool_zz"
    tool.write_text("#!/bin/sh\nexit 0\n")
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert run_tool() == "ran"  # checked at each call, so installing later is enough


def test_check_prerequisites_with_a_custom_checker_and_template():
    @check_prerequisites(["a", "bb", "ccc"], checker=lambda s: len(s) < 2, msg_tmpl="{1}: no {0}")
    def work():
        return 1

    with pytest.raises(RuntimeError, match=r"^work: no bb, ccc$"):
        work()

    @check_prerequisites("a", checker=lambda s: True)
    def fine():
        return 2

    assert fine() == 2
    with pytest.raises(TypeError, match="prerequisites must be a str or a list of str, got 3"):
        check_prerequisites(3, checker=bool)
