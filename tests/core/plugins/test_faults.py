"""Faults stay contained: broken plugins, scope conflicts, bad manifests."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def run_with_zoo(zoo, code):
    env = {**os.environ, "PYTHONPATH": str(zoo)}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )


def test_broken_plugin_warns_once_and_breaks_only_its_scope(plugin_zoo):
    result = run_with_zoo(
        plugin_zoo,
        """
import warnings, json
warnings.simplefilter('always')
from treadle.registry import TRANSFORMS, MODELS
from treadle.plugins import PluginLoadError
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter('always')
    MODELS.get('NoSuchModel')           # unscoped miss: loads every plugin
    MODELS.get('AnotherMissing')        # no second warning
    flip = TRANSFORMS.build(dict(type='vision.RandomFlip'))
try:
    MODELS.build(dict(type='broken.Anything'))
except PluginLoadError as exc:
    error = [str(exc), type(exc.__cause__).__name__, str(exc.__cause__)]
broken = [str(w.message) for w in caught if 'broken' in str(w.message)]
print(json.dumps({'warnings': broken, 'error': error, 'flip': type(flip).__name__}))
""",
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["flip"] == "RandomFlip"
    assert len(out["warnings"]) == 1
    warning = out["warnings"][0]
    assert "broken-plugin 0.0.1" in warning
    assert "entry point 'broken = broken_plugin.plugin'" in warning
    assert "libfoo.so: cannot open shared object file" in warning
    message, cause_type, cause = out["error"]
    assert "scope 'broken'" in message and "broken-plugin" in message
    assert cause_type == "ImportError" and "libfoo.so" in cause


def test_two_distributions_claiming_one_scope_is_an_error_naming_both(plugin_zoo):
    result = run_with_zoo(
        plugin_zoo,
        """
from treadle.registry import MODELS
from treadle.plugins import PluginConflictError
assert MODELS.get('vision.NoSuch') is None   # other scopes unaffected
try:
    MODELS.get('dup.Thing')
except PluginConflictError as exc:
    print(exc)
""",
    )
    assert result.returncode == 0, result.stderr
    assert "scope 'dup'" in result.stdout
    assert "dup-one 0.0.1" in result.stdout and "dup-two 0.0.1" in result.stdout


def test_root_registrations_are_found_by_an_unscoped_miss(plugin_zoo):
    result = run_with_zoo(
        plugin_zoo,
        """
import warnings
warnings.simplefilter('ignore')
from treadle.registry import VISBACKENDS
print(VISBACKENDS.get('RootRegBackend').__module__)
""",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "rootreg_plugin.backends"


def test_manifest_naming_an_unknown_registry_fails_clearly(plugin_zoo):
    result = run_with_zoo(
        plugin_zoo,
        """
from treadle.registry import MODELS
from treadle.plugins import PluginLoadError
try:
    MODELS.get('badreg.X')
except PluginLoadError as exc:
    print(exc)
""",
    )
    assert result.returncode == 0, result.stderr
    assert "unknown registry 'MODLES' in LOCATIONS" in result.stdout
    assert "MODELS" in result.stdout


def test_a_location_failing_to_import_raises_in_its_scope(plugin_zoo):
    result = run_with_zoo(
        plugin_zoo,
        """
import warnings
warnings.simplefilter('ignore')
from treadle.registry import MODELS
try:
    MODELS.get('brokenloc.Net')
except ImportError as exc:
    print(exc, '|', type(exc.__cause__).__name__)
print(MODELS.get('vision.Nothing'))
""",
    )
    assert result.returncode == 0, result.stderr
    assert "brokenloc_plugin.models" in result.stdout
    assert "weights file missing | RuntimeError" in result.stdout
    assert result.stdout.strip().endswith("None")


def test_treadle_plugins_reports_failures_and_conflicts(plugin_zoo):
    env = {**os.environ, "PYTHONPATH": str(plugin_zoo)}
    result = subprocess.run(
        [sys.executable, "-m", "treadle", "plugins", "--json", "--components"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    records = {r["scope"]: r for r in json.loads(result.stdout)}
    assert records["broken"]["status"] == "failed"
    assert "libfoo.so" in records["broken"]["reason"]
    assert records["dup"]["status"] == "conflict"
    assert records["dup"]["distribution"] == "dup-one, dup-two"
    assert records["badreg"]["status"] == "failed"
    assert records["brokenloc"]["status"] == "failed"
    assert "weights file missing" in records["brokenloc"]["reason"]
    assert records["rootreg"]["components"] == {"VISBACKENDS": ["core.RootRegBackend"]}
    assert records["vision"]["status"] == "loaded"
