"""``torch.save``/``torch.load`` with Treadle's errors: the file is named, the cause chained."""

from __future__ import annotations

import pickle
import re
from typing import IO, Any

import torch

from treadle.runner.checkpoint.errors import CheckpointError, UnsafeCheckpointError
from treadle.runner.checkpoint.foreign import foreign_safe_globals

# torch's weights-only unpickler names the refused class like this
_REFUSED_GLOBAL = re.compile(r"Unsupported global: GLOBAL (\S+)")


def torch_load(
    source: str | IO[bytes], filename: str, map_location: Any = None, weights_only: bool = True
) -> Any:
    """``torch.load(source)``; failures become :class:`CheckpointError` naming ``filename``.

    A missing or unreadable file keeps its ``OSError``. A class refused by ``weights_only``
    raises :class:`UnsafeCheckpointError`, which says how to opt out. Weights-only loads
    also rebuild what MMEngine's checkpoints pickle (see :mod:`.foreign`).
    """
    try:
        if not weights_only:
            return torch.load(source, map_location=map_location, weights_only=False)
        with torch.serialization.safe_globals(foreign_safe_globals()):  # MMEngine's files
            return torch.load(source, map_location=map_location, weights_only=True)
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError):
        raise  # the file system's answer, not a damaged file
    except pickle.UnpicklingError as exc:
        refused = _REFUSED_GLOBAL.search(str(exc))
        if weights_only and refused:
            raise UnsafeCheckpointError(filename, refused.group(1)) from exc
        raise CheckpointError(filename, _corrupt(exc)) from exc
    except (RuntimeError, EOFError, ValueError, KeyError, IndexError, OSError) as exc:
        raise CheckpointError(filename, _corrupt(exc)) from exc


def _corrupt(exc: BaseException) -> str:
    first_line = (str(exc).strip().splitlines() or [""])[0][:300]
    return (
        f"the file is truncated or corrupt ({type(exc).__name__}: {first_line or 'no detail'}); "
        f"an interrupted copy or a full disk does this. Use an earlier checkpoint, or save it again"
    )
