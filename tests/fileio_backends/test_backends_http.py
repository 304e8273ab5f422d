"""http:// through HTTPBackend against a loopback http.server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import treadle.fileio as fileio
from treadle.fileio import RemoteIOError


def test_get_get_text_and_load(http_root: tuple[str, Path]) -> None:
    base, root = http_root
    (root / "data.json").write_text(json.dumps({"a": [1, 2]}))
    (root / "text.txt").write_text("héllo\nworld\n", encoding="utf-8")
    assert fileio.get(f"{base}/data.json") == (root / "data.json").read_bytes()
    assert fileio.get_text(f"{base}/text.txt") == "héllo\nworld\n"
    assert fileio.load(f"{base}/data.json") == {"a": [1, 2]}
    assert fileio.list_from_file(f"{base}/text.txt") == ["héllo", "world"]


def test_get_local_path_streams_to_a_temp_file(http_root: tuple[str, Path]) -> None:
    base, root = http_root
    (root / "ckpt.pth").write_bytes(bytes(range(256)) * 1000)
    with fileio.get_local_path(f"{base}/ckpt.pth") as local:
        assert local.endswith(".pth")
        assert Path(local).read_bytes() == bytes(range(256)) * 1000
    assert not Path(local).exists()


def test_missing_url_is_file_not_found_naming_it(http_root: tuple[str, Path]) -> None:
    base, _ = http_root
    with pytest.raises(FileNotFoundError, match=f"{base}/absent.json") as info:
        fileio.get(f"{base}/absent.json")
    assert "404" in str(info.value)


def test_truncated_body_is_an_error_and_leaves_nothing(
    http_root: tuple[str, Path], tmp_path: Path
) -> None:
    base, _ = http_root
    with pytest.raises(RemoteIOError, match=r"truncated\.bin") as info:
        fileio.get(f"{base}/truncated.bin")
    assert info.value.__cause__ is not None
    with pytest.raises(RemoteIOError, match=r"truncated\.bin"):
        fileio.copyfile_to_local(f"{base}/truncated.bin", tmp_path / "out.bin")
    with pytest.raises(RemoteIOError, match=r"truncated\.bin"):  # noqa: SIM117
        with fileio.get_local_path(f"{base}/truncated.bin"):
            pass
    assert list(tmp_path.iterdir()) == []


def test_connection_refused_chains_the_cause(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/x.json"
    with pytest.raises(RemoteIOError, match=f"127.0.0.1:{closed_port}/x.json") as info:
        fileio.load(url)
    assert "URLError" in repr(info.value.__cause__) or "Connection" in repr(info.value.__cause__)


def test_http_is_read_only(http_root: tuple[str, Path]) -> None:
    base, _ = http_root
    with pytest.raises(NotImplementedError, match="HTTPBackend does not support put"):
        fileio.put(b"x", f"{base}/new.bin")
