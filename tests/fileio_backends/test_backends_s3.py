"""s3:// through the fsspec backend against a moto S3 server on loopback."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from typing import Any

import pytest

import treadle.fileio as fileio
from treadle.fileio import RemoteIOError


def test_put_get_exists_remove(bucket: str, s3_args: dict[str, Any]) -> None:
    uri = f"s3://{bucket}/dir/blob.bin"
    assert not fileio.exists(uri, backend_args=s3_args)
    fileio.put(b"\x00payload", uri, backend_args=s3_args)
    assert fileio.get(uri, backend_args=s3_args) == b"\x00payload"
    assert fileio.exists(uri, backend_args=s3_args) and fileio.isfile(uri, backend_args=s3_args)
    assert fileio.isdir(f"s3://{bucket}/dir", backend_args=s3_args)
    fileio.put_text("ünïcode", f"s3://{bucket}/t.txt", backend_args=s3_args)
    assert fileio.get_text(f"s3://{bucket}/t.txt", backend_args=s3_args) == "ünïcode"
    fileio.remove(uri, backend_args=s3_args)
    assert not fileio.exists(uri, backend_args=s3_args)


def test_missing_key_names_the_uri(bucket: str, s3_args: dict[str, Any]) -> None:
    uri = f"s3://{bucket}/no/such.json"
    with pytest.raises(FileNotFoundError, match=f"s3://{bucket}/no/such"):
        fileio.get(uri, backend_args=s3_args)
    with pytest.raises(FileNotFoundError, match=f"s3://{bucket}/no/such"):
        fileio.load(uri, backend_args=s3_args)
    with pytest.raises(FileNotFoundError, match=f"s3://{bucket}/no/such"):
        fileio.remove(uri, backend_args=s3_args)


def test_list_dir_or_file(bucket: str, s3_args: dict[str, Any]) -> None:
    for rel in ("a.py", "b.txt", "sub/c.py", "sub/deep/d.py"):
        fileio.put(b"x", f"s3://{bucket}/root/{rel}", backend_args=s3_args)
    root = f"s3://{bucket}/root"
    ls = fileio.list_dir_or_file
    assert list(ls(root, backend_args=s3_args)) == ["a.py", "b.txt", "sub"]
    assert list(ls(root, list_dir=False, suffix=".py", recursive=True, backend_args=s3_args)) == [
        "a.py",
        "sub/c.py",
        "sub/deep/d.py",
    ]
    assert list(ls(root, list_file=False, recursive=True, backend_args=s3_args)) == [
        "sub",
        "sub/deep",
    ]


@pytest.mark.parametrize("suffix", ["json", "yaml"])
def test_load_and_dump(bucket: str, s3_args: dict[str, Any], suffix: str) -> None:
    data = {"model": {"type": "ResNet", "depth": 50}, "lr": [0.1, 0.01]}
    uri = f"s3://{bucket}/cfg/data.{suffix}"
    fileio.dump(data, uri, backend_args=s3_args)
    assert fileio.load(uri, backend_args=s3_args) == data
    raw = fileio.get_text(uri, backend_args=s3_args)
    assert "ResNet" in raw  # stored as the text format, not pickled


def test_get_local_path_downloads_and_cleans_up(bucket: str, s3_args: dict[str, Any]) -> None:
    uri = f"s3://{bucket}/weights.pth"
    fileio.put(b"w" * 4096, uri, backend_args=s3_args)
    with fileio.get_local_path(uri, backend_args=s3_args) as local:
        assert local.endswith(".pth")
        assert Path(local).read_bytes() == b"w" * 4096
    assert not Path(local).exists()


def test_copies_between_local_and_s3(bucket: str, s3_args: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "src" / "sub").mkdir(parents=True)
    (tmp_path / "src" / "a.txt").write_text("A")
    (tmp_path / "src" / "sub" / "b.txt").write_text("B")
    kw = dict(backend_args=s3_args)
    dst = fileio.copyfile_from_local(tmp_path / "src" / "a.txt", f"s3://{bucket}/up/", **kw)
    assert dst == f"s3://{bucket}/up/a.txt" and fileio.get(dst, **kw) == b"A"
    fileio.copytree_from_local(tmp_path / "src", f"s3://{bucket}/tree", **kw)
    assert fileio.get(f"s3://{bucket}/tree/sub/b.txt", **kw) == b"B"
    fileio.copytree(f"s3://{bucket}/tree", f"s3://{bucket}/tree2", **kw)
    assert fileio.get(f"s3://{bucket}/tree2/sub/b.txt", **kw) == b"B"
    with pytest.raises(FileExistsError):
        fileio.copytree(f"s3://{bucket}/tree", f"s3://{bucket}/tree2", **kw)
    fileio.copyfile(f"s3://{bucket}/tree/a.txt", f"s3://{bucket}/single.txt", **kw)
    assert fileio.get(f"s3://{bucket}/single.txt", **kw) == b"A"
    fileio.copyfile_to_local(f"s3://{bucket}/tree/a.txt", tmp_path / "down.txt", **kw)
    assert (tmp_path / "down.txt").read_text() == "A"
    fileio.copytree_to_local(f"s3://{bucket}/tree", tmp_path / "downtree", **kw)
    assert (tmp_path / "downtree" / "sub" / "b.txt").read_text() == "B"
    assert (
        fileio.copy_if_symlink_fails(f"s3://{bucket}/tree/a.txt", f"s3://{bucket}/linked.txt", **kw)
        is False
    )
    assert fileio.get(f"s3://{bucket}/linked.txt", **kw) == b"A"
    fileio.rmtree(f"s3://{bucket}/tree", **kw)
    assert not fileio.exists(f"s3://{bucket}/tree/a.txt", **kw)


def test_list_from_file_and_dict_from_file(bucket: str, s3_args: dict[str, Any]) -> None:
    fileio.put_text("a\nb\nc\n", f"s3://{bucket}/a.txt", backend_args=s3_args)
    fileio.put_text("1 cat\n2 dog cow\n", f"s3://{bucket}/b.txt", backend_args=s3_args)
    assert fileio.list_from_file(f"s3://{bucket}/a.txt", offset=1, backend_args=s3_args) == [
        "b",
        "c",
    ]
    assert fileio.dict_from_file(f"s3://{bucket}/b.txt", key_type=int, backend_args=s3_args) == {
        1: "cat",
        2: ["dog", "cow"],
    }


def test_presigned_url_serves_the_object(bucket: str, s3_args: dict[str, Any]) -> None:
    uri = f"s3://{bucket}/shared.txt"
    fileio.put(b"signed", uri, backend_args=s3_args)
    url = fileio.generate_presigned_url(uri, expires_in=600, backend_args=s3_args)
    assert "Signature" in url or "X-Amz-Signature" in url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"signed"


def test_network_error_names_the_uri_and_writes_nothing(tmp_path: Path, closed_port: int) -> None:
    dead = dict(
        key="testing",
        secret="testing",
        endpoint_url=f"http://127.0.0.1:{closed_port}",  # nothing listens there
        client_kwargs={"region_name": "us-east-1"},
        config_kwargs={"retries": {"max_attempts": 1}, "connect_timeout": 1},
    )
    uri = "s3://nowhere/file.json"
    with pytest.raises(RemoteIOError, match=r"s3://nowhere/file\.json") as info:
        fileio.get(uri, backend_args=dead)
    assert info.value.__cause__ is not None
    target = tmp_path / "file.json"
    with pytest.raises(RemoteIOError, match=r"s3://nowhere/file\.json"):
        fileio.copyfile_to_local(uri, target, backend_args=dead)
    assert list(tmp_path.iterdir()) == []  # no partial file, no temp file


def test_copyfile_across_protocols(bucket: str, s3_args: dict[str, Any]) -> None:
    fileio.put(b"from memory", "memory://cross/src.bin")
    dst = fileio.copyfile("memory://cross/src.bin", f"s3://{bucket}/dst.bin", backend_args=s3_args)
    assert fileio.get(dst, backend_args=s3_args) == b"from memory"
