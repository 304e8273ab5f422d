"""The ``last_checkpoint`` marker of a work_dir, and finding the newest checkpoint that loads.

``CheckpointHook`` writes the path of each checkpoint it saves into
``<work_dir>/last_checkpoint`` (a text file); ``resume=True`` reads it back. When that
checkpoint is damaged, :func:`find_loadable_checkpoint` falls back to the previous
``epoch_*.pth``/``iter_*.pth`` that loads, with a warning.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from treadle.runner.checkpoint._log import log
from treadle.runner.checkpoint.errors import CheckpointError, UnsafeCheckpointError
from treadle.runner.checkpoint.io import _load_checkpoint

MARKER = "last_checkpoint"
_NUMBERED = re.compile(r"^(epoch|iter)_(\d+)\.pth$")


def _join(directory: str, name: str) -> str:
    from treadle import fileio

    return fileio.join_path(directory, name)


def write_last_checkpoint(
    work_dir: str | os.PathLike, filepath: str, backend_args: dict[str, Any] | None = None
) -> None:
    """Record ``filepath`` as the latest checkpoint of ``work_dir`` (atomic when local)."""
    from treadle import fileio

    fileio.put_text(filepath, _join(os.fspath(work_dir), MARKER), backend_args=backend_args)


def find_latest_checkpoint(
    path: str | os.PathLike, backend_args: dict[str, Any] | None = None
) -> str | None:
    """The checkpoint named by the ``last_checkpoint`` marker in directory ``path`` (a
    work_dir), or None without one."""
    from treadle import fileio

    marker = _join(os.fspath(path), MARKER)
    if not fileio.exists(marker, backend_args=backend_args):
        log(f"Did not find {MARKER} to be resumed in {os.fspath(path)!r}.", "current")
        return None
    return fileio.get_text(marker, backend_args=backend_args).strip() or None


def _key(path: str) -> str:
    """``path`` in a form that compares equal for one file (local paths made absolute)."""
    return path if "://" in path else os.path.abspath(path)


def _numbered_checkpoints(directory: str, backend_args: dict[str, Any] | None) -> list[str]:
    """``epoch_N.pth``/``iter_N.pth`` in ``directory``, highest N first."""
    from treadle import fileio

    if not fileio.isdir(directory, backend_args=backend_args):
        return []
    found = []
    for name in fileio.list_dir_or_file(directory, list_dir=False, backend_args=backend_args):
        match = _NUMBERED.match(name)
        if match:
            found.append((int(match.group(2)), match.group(1), name))
    found.sort(reverse=True)
    return [_join(directory, name) for _, _, name in found]


def find_loadable_checkpoint(
    work_dir: str | os.PathLike,
    map_location: Any = "cpu",
    logger: Any = None,
    weights_only: bool = True,
    backend_args: dict[str, Any] | None = None,
) -> tuple[str, dict[str, Any]] | None:
    """The newest checkpoint of ``work_dir`` that loads, as ``(path, checkpoint)``.

    Tried in order: the ``last_checkpoint`` marker's path, then the numbered checkpoints
    next to it and in ``work_dir``, highest number first. A candidate that is missing,
    truncated or corrupt is skipped with a warning. None when there is no candidate;
    :class:`CheckpointError` listing each failure when none loads.
    """
    work_dir = os.fspath(work_dir)
    latest = find_latest_checkpoint(work_dir, backend_args)
    directories = [work_dir]
    if latest is not None:
        directories.insert(
            0, os.path.dirname(latest) if "://" not in latest else latest.rsplit("/", 1)[0]
        )
    candidates = [latest] if latest is not None else []
    for directory in directories:
        candidates += _numbered_checkpoints(directory, backend_args)
    seen: set[str] = set()
    candidates = [p for p in candidates if not (_key(p) in seen or seen.add(_key(p)))]
    failures = []
    for path in candidates:
        try:
            checkpoint = _load_checkpoint(path, map_location, logger, weights_only, backend_args)
        except UnsafeCheckpointError:
            raise  # it loads with weights_only=False: not a reason to go back in time
        except (CheckpointError, FileNotFoundError) as exc:
            failures.append(f"{path}: {exc}")
            log(f"skipping checkpoint {path!r}, it does not load: {exc}", logger, logging.WARNING)
            continue
        if failures:
            log(
                f"resuming from {path!r}, the newest checkpoint that loads; "
                f"{len(failures)} newer one(s) could not be read",
                logger,
                logging.WARNING,
            )
        return path, checkpoint
    if not failures:
        return None
    raise CheckpointError(work_dir, "no checkpoint in it loads:\n  " + "\n  ".join(failures))
