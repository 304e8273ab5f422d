"""Save and load whole checkpoints; load a checkpoint's weights into a model.

Local saves are atomic: ``torch.save`` writes a temporary file in the target's
directory, which is fsynced and renamed over the target, so an interrupted save leaves
the previous file (or none), never half a file. A write-behind thread flushes the file
to disk while it is written, so the fsync costs little extra time. Other URIs go through
:mod:`treadle.fileio`. Loads use ``torch.load(weights_only=True)`` unless the caller
passes ``weights_only=False``.
"""

from __future__ import annotations

import io
import os
from typing import Any

import torch
from torch import nn

from treadle.runner.checkpoint.errors import CheckpointError
from treadle.runner.checkpoint.loaders import CheckpointLoader
from treadle.runner.checkpoint.state import _load_state_dict
from treadle.runner.checkpoint.state import revise_keys as _revise_keys
from treadle.runner.checkpoint.writeback import write_behind

DEFAULT_REVISE_KEYS = [(r"^module\.", "")]


def save_checkpoint(
    checkpoint: dict[str, Any],
    filename: str | os.PathLike,
    file_client_args: dict[str, Any] | None = None,
    backend_args: dict[str, Any] | None = None,
) -> None:
    """Write ``checkpoint`` to ``filename`` (a local path or any fileio URI).

    ``file_client_args`` is MMEngine's deprecated name for ``backend_args``.
    """
    from treadle import fileio
    from treadle.fileio.atomic import atomic_path
    from treadle.fileio.io import resolve_backend_args

    backend_args = resolve_backend_args(file_client_args, backend_args)
    filename = os.fspath(filename)
    backend = fileio.get_file_backend(filename, backend_args=backend_args)
    if isinstance(backend, fileio.LocalBackend):
        with atomic_path(os.path.expanduser(filename)) as tmp, write_behind(tmp):
            torch.save(checkpoint, tmp)
        return
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    backend.put(buffer.getvalue(), filename)


def _load_checkpoint(
    filename: str | os.PathLike,
    map_location: Any = None,
    logger: Any = None,
    weights_only: bool = True,
    backend_args: dict[str, Any] | None = None,
) -> Any:
    """The object stored in ``filename`` (local path, fileio URI or ``http(s)://``).

    Raises ``FileNotFoundError`` for a missing file, :class:`CheckpointError` for a
    truncated or corrupt one and :class:`UnsafeCheckpointError` when ``weights_only``
    refuses a pickled object. ``backend_args`` (a Treadle addition) reaches fileio URIs.
    """
    return CheckpointLoader.load_checkpoint(
        os.fspath(filename),
        map_location=map_location,
        logger=logger if logger is not None else "current",
        weights_only=weights_only,
        backend_args=backend_args,
    )


def _load_checkpoint_to_model(
    model: nn.Module,
    checkpoint: dict[str, Any],
    strict: bool = False,
    logger: Any = None,
    revise_keys: list[tuple[str, str]] = DEFAULT_REVISE_KEYS,
    *,
    source: str | None = None,
) -> dict[str, Any]:
    """Load the weights of an already-read ``checkpoint`` into ``model``; return it.

    The weights are ``checkpoint['state_dict']`` if present, else the dict itself.
    ``source`` names where the checkpoint came from in mismatch reports.
    """
    state_dict = checkpoint.get("state_dict", checkpoint)
    if not isinstance(state_dict, dict):
        raise CheckpointError(
            source or "<checkpoint>",
            f"its 'state_dict' is a {type(state_dict).__name__}, not a dict of tensors",
        )
    _load_state_dict(model, _revise_keys(state_dict, revise_keys), strict, logger, source)
    return checkpoint


def load_checkpoint(
    model: nn.Module,
    filename: str | os.PathLike,
    map_location: Any = None,
    strict: bool = False,
    logger: Any = None,
    revise_keys: list[tuple[str, str]] = DEFAULT_REVISE_KEYS,
    weights_only: bool = True,
    backend_args: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Read ``filename`` and load its weights into ``model``; return the whole checkpoint.

    ``revise_keys`` rewrites the checkpoint's keys first (default: drop a DDP
    ``module.`` prefix). Misfits are logged, or raised with ``strict``.
    """
    filename = os.fspath(filename)
    checkpoint = _load_checkpoint(filename, map_location, logger, weights_only, backend_args)
    if not isinstance(checkpoint, dict):
        raise CheckpointError(
            filename,
            f"it holds a {type(checkpoint).__name__}, not a dict (a state dict, or a dict "
            f"with a 'state_dict' key)",
        )
    return _load_checkpoint_to_model(
        model, checkpoint, strict, logger, revise_keys, source=filename
    )
