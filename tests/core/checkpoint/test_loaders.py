"""CheckpointLoader schemes (MMEngine's register_scheme) and the http(s) loader."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
import torch

from treadle.runner.checkpoint import (
    CheckpointError,
    CheckpointLoader,
    _load_checkpoint,
    load_checkpoint,
    save_checkpoint,
)


@pytest.fixture
def schemes(monkeypatch):
    """Let a test register schemes; the table is restored afterwards."""
    monkeypatch.setattr(CheckpointLoader, "_schemes", dict(CheckpointLoader._schemes))
    return CheckpointLoader


@pytest.fixture(autouse=True)
def _torch_home(tmp_path, monkeypatch):
    """Downloads without model_dir go to $TORCH_HOME/hub: keep it inside the test's tmp."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))


def test_registered_scheme_is_used_with_the_keywords_it_accepts(schemes, tmp_path):
    calls = []

    @schemes.register_scheme(prefixes="mem://")
    def load_from_mem(filename, map_location=None, weights_only=True):
        calls.append((filename, map_location, weights_only))
        return {"state_dict": {"weight": torch.ones(1, 1), "bias": torch.zeros(1)}}

    model = torch.nn.Linear(1, 1)
    load_checkpoint(model, "mem://a", map_location="cpu", weights_only=False, logger="silent")
    assert calls == [("mem://a", "cpu", False)]
    assert model.weight.item() == 1.0


def test_duplicate_prefix_needs_force(schemes):
    def first(filename, map_location=None):
        return {"who": "first"}

    def second(filename, map_location=None):
        return {"who": "second"}

    schemes.register_scheme("dup://", first)
    with pytest.raises(KeyError, match=r"'dup://' is already registered.*force=True"):
        schemes.register_scheme("dup://", second)
    assert _load_checkpoint("dup://x", logger="silent") == {"who": "first"}
    schemes.register_scheme("dup://", second, force=True)
    assert _load_checkpoint("dup://x", logger="silent") == {"who": "second"}


def test_longer_prefix_wins_over_the_prefix_it_extends(schemes):
    schemes.register_scheme("ab://", lambda f, m=None: "ab")
    schemes.register_scheme("ab://special/", lambda f, m=None: "special")
    assert _load_checkpoint("ab://special/x", logger="silent") == "special"
    assert _load_checkpoint("ab://other/x", logger="silent") == "ab"


def test_prefixes_must_be_str_list_or_tuple(schemes):
    with pytest.raises(TypeError, match="prefixes must be"):
        schemes.register_scheme({"x://"}, lambda f, m=None: None)


def test_the_loader_in_use_is_logged(tmp_path, caplog):
    path = tmp_path / "a.pth"
    save_checkpoint({"v": torch.ones(1)}, path)
    logger = logging.getLogger("test-ckpt-loaders")
    with caplog.at_level(logging.INFO, logger=logger.name):
        _load_checkpoint(path, logger=logger)
    assert f"Loads checkpoint by local backend from path: {path}" in caplog.text


@pytest.mark.parametrize("uri", ["open-mmlab://resnet50", "torchvision://resnet18"])
def test_model_zoo_schemes_explain_what_to_pass_instead(uri):
    with pytest.raises(ValueError, match=r"no model zoo.*http"):
        _load_checkpoint(uri, logger="silent")


def test_http_download_is_cached_and_loaded(http_root, tmp_path):
    base, root = http_root
    state = {"weight": torch.randn(2, 3), "bias": torch.randn(2)}
    save_checkpoint({"state_dict": state}, root / "linear_v1.pth")
    cache = tmp_path / "cache"
    model = torch.nn.Linear(3, 2)
    load_checkpoint(model, f"{base}/linear_v1.pth", logger="silent")  # default hub dir
    assert (tmp_path / "torch_home" / "hub" / "checkpoints" / "linear_v1.pth").is_file()
    assert torch.equal(model.weight.detach(), state["weight"])
    from treadle.runner.checkpoint.loaders import load_from_http

    loaded = load_from_http(f"{base}/linear_v1.pth?x=1", model_dir=str(cache))
    assert torch.equal(loaded["state_dict"]["bias"], state["bias"])
    assert os.listdir(cache) == ["linear_v1.pth"]
    (root / "linear_v1.pth").unlink()  # served no more: the cache answers
    again = load_from_http(f"{base}/linear_v1.pth", model_dir=str(cache))
    assert torch.equal(again["state_dict"]["weight"], state["weight"])


def test_truncated_http_download_raises_and_caches_nothing(http_root, tmp_path):
    base, _ = http_root
    cache = tmp_path / "cache"
    with pytest.raises(OSError, match=r"truncated/ck\.pth.*bytes still to come"):
        _load_checkpoint(f"{base}/truncated/ck.pth", logger="silent")
    from treadle.runner.checkpoint.loaders import load_from_http

    with pytest.raises(OSError, match="bytes still to come"):
        load_from_http(f"{base}/truncated/ck.pth", model_dir=str(cache))
    assert not cache.exists() or os.listdir(cache) == []


def test_http_missing_file_is_file_not_found(http_root):
    base, _ = http_root
    with pytest.raises(FileNotFoundError, match=r"no_such\.pth"):
        _load_checkpoint(f"{base}/no_such.pth", logger="silent")


def test_corrupt_cached_download_names_url_and_cache(http_root, tmp_path):
    base, root = http_root
    Path(root / "broken.pth").write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match=r"broken\.pth \(cached at .*broken\.pth\)"):
        _load_checkpoint(f"{base}/broken.pth", logger="silent")
