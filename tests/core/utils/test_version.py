"""digit_version ordering and get_git_hash against real git repositories."""

import subprocess

import pytest

from treadle.utils import digit_version, get_git_hash


def test_digit_version_values():
    assert digit_version("1.2.3") == (1, 2, 3, 0, 0, 0)
    assert digit_version("2.13.0+cpu") == (2, 13, 0, 0, 0, 0)
    assert digit_version("1.2.3rc1") == (1, 2, 3, 0, -1, 1)
    assert digit_version("1.2.3b2") == (1, 2, 3, 0, -2, 2)
    assert digit_version("1.2.3a1") == (1, 2, 3, 0, -3, 1)
    assert digit_version("1.0.0.dev4") == (1, 0, 0, 0, -4, 0)
    assert digit_version("2.0.0.post1") == (2, 0, 0, 0, 1, 1)
    assert digit_version("1.2.3.4.5") == (1, 2, 3, 4, 0, 0)
    assert digit_version("1.2.3", length=2) == (1, 2, 0, 0)


def test_digit_version_orders_releases():
    order = ["1.0.0.dev1", "1.0.0a1", "1.0.0b1", "1.0.0rc1", "1.0.0", "1.0.0.post1", "1.0.1"]
    assert sorted(order, key=digit_version) == order
    assert digit_version("1.10") > digit_version("1.9")


def test_digit_version_rejects_what_is_not_a_version():
    with pytest.raises(ValueError, match="'abc' is not a PEP 440 version"):
        digit_version("abc")


def _git(cwd, *args):
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def test_git_hash_of_a_real_repository(tmp_path, monkeypatch):
    _git(tmp_path, "init", "-q")
    monkeypatch.chdir(tmp_path)
    assert get_git_hash() == "unknown"  # no commit yet
    (tmp_path / "f.txt").write_text("x")
    _git(tmp_path, "add", "f.txt")
    _git(tmp_path, "commit", "-q", "-m", "first")
    head = _git(tmp_path, "rev-parse", "HEAD")
    assert len(head) == 40
    assert get_git_hash() == head
    assert get_git_hash(digits=7) == head[:7]
    (tmp_path / "f.txt").write_text("y")
    _git(tmp_path, "commit", "-q", "-am", "second")
    assert get_git_hash() != head and get_git_hash() == _git(tmp_path, "rev-parse", "HEAD")


def test_git_hash_fallbacks(tmp_path, monkeypatch):
    outside = tmp_path / "plain"
    outside.mkdir()
    monkeypatch.chdir(outside)
    assert get_git_hash() == "unknown"
    assert get_git_hash(fallback="none") == "none"
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no git program at all
    assert get_git_hash(fallback="no-git") == "no-git"
    with pytest.raises(TypeError, match="digits must be None or an int, got '7'"):
        get_git_hash(digits="7")
