"""count_registered_modules / traverse_registry_tree: lazy locations imported, plugins loaded."""

from __future__ import annotations

import json
import sys
import textwrap

import pytest

from treadle.plugins import PluginWarning
from treadle.registry import traverse_registry_tree


@pytest.fixture
def stat_package(tmp_path, monkeypatch):
    """A package whose registries fill only when their locations are imported."""
    package = tmp_path / "statpkg"
    (package / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "sub/__init__.py": "",
        "registries.py": """
            from treadle.registry import Registry

            THINGS = Registry("thing", scope="statroot", locations=["statpkg.things"])
            CHILD = Registry("thing", parent=THINGS, scope="statchild",
                             locations=["statpkg.sub.child_things"])
            BROKEN = Registry("thing", parent=THINGS, scope="statbroken",
                              locations=["statpkg.sub.fine", "statpkg.sub.broken"])
        """,
        "things.py": """
            from statpkg.registries import THINGS

            @THINGS.register_module()
            class Alpha:
                pass

            @THINGS.register_module(name=["Beta", "BetaAlias"])
            def beta():
                return 2
        """,
        "sub/child_things.py": """
            from statpkg.registries import CHILD

            @CHILD.register_module()
            class Gamma:
                pass
        """,
        "sub/fine.py": """
            from statpkg.registries import BROKEN

            @BROKEN.register_module()
            class Delta:
                pass
        """,
        "sub/broken.py": "raise RuntimeError('statpkg.sub.broken cannot be imported')\n",
    }
    for name, text in files.items():
        (package / name).write_text(textwrap.dedent(text))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    for module in [m for m in sys.modules if m == "statpkg" or m.startswith("statpkg.")]:
        del sys.modules[module]


def test_traverse_imports_locations_and_groups_by_package(stat_package, capsys):
    from statpkg.registries import BROKEN, CHILD, THINGS

    assert len(THINGS) == 0 and len(CHILD) == 0  # nothing imported yet
    with pytest.warns(PluginWarning, match=r"'statbroken'.*statpkg.sub.broken"):
        infos = traverse_registry_tree(CHILD, verbose=False)  # any node: the whole tree
    assert infos == [
        {"num_modules": 3, "scope": "statroot", "statpkg": ["Alpha", "Beta", "BetaAlias"]},
        {"num_modules": 1, "scope": "statchild", "statpkg/sub": ["Gamma"]},
        # the broken plugin registry is counted with what it could import
        {"num_modules": 1, "scope": "statbroken", "statpkg/sub": ["Delta"]},
    ]
    with pytest.raises(ImportError, match=r"statpkg\.sub\.broken"):
        BROKEN.get("Delta")  # lookups in the broken registry still raise, as before counting
    assert capsys.readouterr().out == ""  # verbose=False logs nothing


def test_traverse_verbose_logs_each_registry(stat_package, capsys):
    from statpkg.registries import CHILD

    from treadle.logging import MMLogger

    MMLogger.get_instance("test_statistics", log_level="INFO")  # the current logger
    with pytest.warns(PluginWarning):
        traverse_registry_tree(CHILD)
    out = capsys.readouterr().out
    assert "Found 3 modules in scope 'statroot' of registry 'thing'" in out
    assert "Found 1 modules in scope 'statchild' of registry 'thing'" in out


def test_traverse_root_location_failure_is_raised(tmp_path, monkeypatch):
    from treadle.registry import Registry

    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "stat_broken_root.py").write_text("raise RuntimeError('no')\n")
    root = Registry("thing", scope="lonely", locations=["stat_broken_root"])
    with pytest.raises(ImportError, match="stat_broken_root"):
        traverse_registry_tree(root, verbose=False)


def test_traverse_refuses_what_is_not_a_registry():
    with pytest.raises(TypeError, match="needs a treadle Registry, got dict"):
        traverse_registry_tree({"MODELS": []})


COUNT = """
import json, sys
from treadle.registry import count_registered_modules
before = [m for m in ('treadle_vision.transforms', 'acme_treadle.hooks', 'torch')
          if m in sys.modules]
result = count_registered_modules({save_path!r}, verbose={verbose})
print(json.dumps([before, result]))
"""


def test_count_loads_every_plugin_and_saves_the_result(python, tmp_path):
    save_dir = tmp_path / "stats" / "nested"
    out = python(COUNT.format(save_path=str(save_dir), verbose=False)).stdout
    before, result = json.loads(out.splitlines()[-1])
    assert before == []  # nothing of the plugins (nor torch) was imported before counting
    registries = result["registries"]
    assert list(registries) == sorted(registries)
    assert {"MODELS", "HOOKS", "TRANSFORMS", "OPTIMIZERS", "PARAM_SCHEDULERS"} <= set(registries)
    by_scope = {info["scope"]: info for info in registries["TRANSFORMS"]}
    assert by_scope["vision"]["treadle_vision"] == ["RandomFlip"]  # an installed plugin
    assert "Compose" in by_scope["core"]["treadle/dataset"]
    hooks = {info["scope"]: info for info in registries["HOOKS"]}
    assert hooks["acme"]["acme_treadle"] == ["SlackHook"]  # the third-party fixture
    assert "CheckpointHook" in hooks["core"]["treadle/hooks"]
    assert registries["OPTIMIZERS"][0]["num_modules"] >= 10
    for tree in registries.values():
        for info in tree:
            names = [n for key, value in info.items() if key not in ("num_modules", "scope")
                     for n in value]  # fmt: skip
            assert info["num_modules"] == len(names)
    saved = json.loads((save_dir / "modules_statistic_results.json").read_text())
    assert saved == result
    assert "Registry scan" not in out  # verbose=False


def test_count_verbose_logs_the_scan(python, tmp_path):
    out = python(COUNT.format(save_path=str(tmp_path), verbose=True)).stdout
    assert "Found 1 modules in scope 'vision' of registry 'transform'" in out
    assert "Registry scan finished: {'scan_date'" in out
    assert "Registry scan saved to " + str(tmp_path / "modules_statistic_results.json") in out


def test_count_refuses_a_file_as_save_path(tmp_path):
    from treadle.registry import count_registered_modules

    target = tmp_path / "taken.json"
    target.write_text("{}")
    with pytest.raises(NotADirectoryError, match=r"taken\.json.*is a file"):
        count_registered_modules(target, verbose=False)
    with pytest.raises(TypeError, match="verbose must be a bool, got str"):
        count_registered_modules(verbose="yes")
