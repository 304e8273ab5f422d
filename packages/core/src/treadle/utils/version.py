"""Comparable version tuples and the git commit of the working directory."""

from __future__ import annotations

import os
import subprocess

#: the pre-release tag -> its rank below a final release; a dev release ranks lowest
_PRE_RANK = {"a": -3, "b": -2, "rc": -1}
_DEV_RANK = -4


def digit_version(version_str: str, length: int = 4) -> tuple[int, ...]:
    """Turn a PEP 440 version into a tuple of ints that compares as the versions do.

    The release is cut or zero-padded to ``length`` numbers, then two more tell
    pre-, final and post-releases apart: ``dev < a < b < rc < final < post``.
    A local part (``+cu121``) is ignored. ``'1.2.3rc1'`` -> ``(1, 2, 3, 0, -1, 1)``.
    """
    from packaging.version import InvalidVersion, Version

    try:
        version = Version(version_str)
    except InvalidVersion as exc:
        raise ValueError(
            f"digit_version: {version_str!r} is not a PEP 440 version (e.g. '2.1.0', '1.0rc1')"
        ) from exc
    release = list(version.release[:length])
    release += [0] * (length - len(release))
    if version.is_prerelease:
        if version.pre is not None:
            release += [_PRE_RANK[version.pre[0]], version.pre[1]]
        else:  # a dev release of a final version
            release += [_DEV_RANK, 0]
    elif version.post is not None:
        release += [1, version.post]
    else:
        release += [0, 0]
    return tuple(release)


def get_git_hash(fallback: str = "unknown", digits: int | None = None) -> str:
    """The commit hash of ``HEAD`` in the current working directory's git repository.

    ``digits`` keeps that many leading characters. Returns ``fallback`` when git
    is not installed, the directory is not in a repository, or it has no commit yet.
    """
    if digits is not None and not isinstance(digits, int):
        raise TypeError(f"digits must be None or an int, got {digits!r}")
    # a minimal, C-locale environment: git's output does not depend on the user's settings
    env = {k: os.environ[k] for k in ("SYSTEMROOT", "PATH", "HOME") if k in os.environ}
    env.update(LANGUAGE="C", LANG="C", LC_ALL="C")
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", "HEAD"],
            capture_output=True,
            env=env,
            check=False,
        )
    except OSError:
        return fallback
    sha = result.stdout.strip().decode("ascii", errors="replace")
    if result.returncode != 0 or not sha:
        return fallback
    return sha if digits is None else sha[:digits]
