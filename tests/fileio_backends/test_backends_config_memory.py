"""Configs read from and dumped to a URI go through treadle.fileio (fsspec's memory://)."""

from __future__ import annotations

import pytest

import treadle.fileio as fileio
from treadle.config import Config


def test_config_with_a_base_round_trips_through_memory_uris() -> None:
    fileio.put_text("model = dict(type='Net', depth=50)\n", "memory://cfgs/_base_/model.py")
    fileio.put_text(
        "_base_ = ['./_base_/model.py']\nmodel = dict(depth=18)\nname = '{{fileBasename}}'\n",
        "memory://cfgs/child.py",
    )
    cfg = Config.fromfile("memory://cfgs/child.py")
    assert cfg.to_dict() == {"model": {"type": "Net", "depth": 18}, "name": "child.py"}
    cfg.dump("memory://out/merged.yaml")
    assert "depth: 18" in fileio.get_text("memory://out/merged.yaml")
    assert Config.fromfile("memory://out/merged.yaml").to_dict() == cfg.to_dict()


def test_missing_base_uri_names_the_including_file_and_entry() -> None:
    fileio.put_text("_base_ = 'gone.py'\n", "memory://cfgs2/child.py")
    with pytest.raises(FileNotFoundError) as info:
        Config.fromfile("memory://cfgs2/child.py")
    message = str(info.value)
    assert "memory://cfgs2/child.py" in message and "'gone.py'" in message
    assert "memory://cfgs2/gone.py" in message
