"""Installed plugins are found through entry points and loaded lazily."""

from __future__ import annotations

import json

import pytest

import treadle.plugins as plugins
from treadle.registry import HOOKS, METRICS, TRANSFORMS, DefaultScope


def test_installed_scopes_come_from_the_entry_point_index():
    scopes = plugins.installed_scopes()
    assert {"vision", "vis_backends", "fileio_backends", "acme"} <= set(scopes)
    entry = next(e for e in plugins.entries() if e.scope == "acme")
    assert (entry.distribution, entry.version, entry.value) == (
        "acme-treadle",
        "1.2.3",
        "acme_treadle.plugin",
    )


def test_nothing_is_loaded_until_a_scope_is_named(python):
    out = python(
        """
import sys, json
import treadle, treadle.registry, treadle.plugins
watched = ('treadle_', 'acme_', 'importlib_metadata', 'pluggy', 'torch')
before = sorted(m for m in sys.modules if m.startswith(watched))
from treadle.registry import TRANSFORMS
flip = TRANSFORMS.build(dict(type='vision.RandomFlip', prob=1.0))
after = sorted(m for m in sys.modules if m.startswith(('treadle_', 'acme_', 'torch', 'pluggy')))
print(json.dumps([before, after, type(flip).__module__]))
"""
    ).stdout
    before, after, module = json.loads(out)
    assert before == []
    assert module == "treadle_vision.transforms"
    # only the named scope was loaded: no other plugin, no pluggy, no torch
    assert "acme_treadle" not in after and "pluggy" not in after and "torch" not in after
    assert "treadle_vision.transforms" in after


def test_third_party_hook_resolves_from_the_root_registry_without_import(python):
    out = python(
        """
from treadle.registry import HOOKS, METRICS
hook = HOOKS.build(dict(type='acme.SlackHook', channel='#ml'))
hook.after_train_iter(None, 0)
metric = METRICS.build(dict(type='acme.SampleCount'))
print(type(hook).__module__, hook.messages, type(metric).__name__)
"""
    ).stdout.split(None, 1)
    assert out[0] == "acme_treadle.hooks"
    assert "#ml: iteration 1 done" in out[1] and "SampleCount" in out[1]


def test_default_scope_resolves_unscoped_names_in_the_plugin():
    with DefaultScope.overwrite_default_scope("vision"):
        flip = TRANSFORMS.build(dict(type="RandomFlip", prob=0.0))
    assert type(flip).__module__ == "treadle_vision.transforms"
    vision = TRANSFORMS.children["vision"]
    assert vision.scope == "vision" and vision.parent is TRANSFORMS
    assert isinstance(vision.build(dict(type="RandomFlip")), type(flip))
    assert HOOKS.get("acme.SlackHook") is not None and "acme.SampleCount" in METRICS


def test_unknown_type_suggests_close_matches_across_installed_scopes():
    with pytest.raises(KeyError) as info:
        TRANSFORMS.build(dict(type="RandomFlp"))
    message = str(info.value)
    assert "'RandomFlp' is not registered in registry 'transform'" in message
    assert "Scopes searched: core." in message
    assert "Did you mean 'vision.RandomFlip'?" in message
    assert "acme" in message and "vision" in message  # installed scopes listed
    with pytest.raises(KeyError, match=r"Did you mean 'acme\.SlackHook'"):
        HOOKS.build(dict(type="SlackHok"))


def test_config_dir_comes_from_the_manifest():
    assert plugins.config_dir("vision").name == "configs"
    assert plugins.config_dir("vision").parent.name == "treadle_vision"
    with pytest.raises(plugins.UnknownScopeError, match="ships no configs"):
        plugins.config_dir("acme")
    with pytest.raises(plugins.UnknownScopeError) as info:
        plugins.config_dir("visoin")
    assert "'visoin'" in str(info.value) and "vision" in str(info.value)


def test_broadcast_hooks_reach_every_plugin():
    results = plugins.plugin_manager().hook.treadle_env_info()
    assert {"acme-treadle": "1.2.3"} in results


def test_unknown_scope_in_a_type_says_so():
    with pytest.raises(KeyError) as info:
        TRANSFORMS.build(dict(type="visoin.RandomFlip"))
    message = str(info.value)
    assert "No installed plugin or registry provides scope 'visoin'" in message
    assert "Did you mean 'vision.RandomFlip'?" in message
