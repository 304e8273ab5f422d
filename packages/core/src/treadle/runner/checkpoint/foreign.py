"""MMEngine's checkpoints, loaded with ``weights_only=True``.

MMEngine pickles numpy arrays and scalars and its MessageHub's ``HistoryBuffer`` objects
into checkpoints; torch's weights-only unpickler refuses them, so a migrating user could
not load a single MMEngine checkpoint without trusting the whole file.
:func:`foreign_safe_globals` lets that unpickler rebuild exactly these, as data:

- numpy's array and scalar rebuilders and ``dtype`` (under numpy 2's and numpy 1's
  names): they make numbers; the items of an object array go through the same
  restricted unpickler;
- ``mmengine.logging.history_buffer.HistoryBuffer`` as :class:`PickledHistoryBuffer`,
  which only keeps the pickled state. MMEngine's buffers pickle their statistics
  table as ``getattr(HistoryBuffer, 'mean')``, so ``getattr`` is allowed on that
  stand-in alone, where it gives the attribute's name; any other ``getattr`` is
  refused as unsafe.
"""

from __future__ import annotations

import functools
import pickle
from typing import Any

import numpy as np

_MMENGINE_HISTORY_BUFFER = "mmengine.logging.history_buffer.HistoryBuffer"


class PickledHistoryBuffer:
    """The state of an MMEngine ``HistoryBuffer`` read from a checkpoint, nothing more.

    ``MessageHub.load_state_dict`` reads ``data`` and ``max_length`` from it, as from a
    live buffer.
    """

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.max_length = int(state.get("max_length", 1000000))
        self._log_history = np.asarray(state.get("_log_history", ()))
        self._count_history = np.asarray(state.get("_count_history", ()))

    @property
    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """The logged values and their counts."""
        return self._log_history, self._count_history


def _stand_in_getattr(owner: Any, name: str) -> str:
    """``getattr`` as the unpickler may call it: on :class:`PickledHistoryBuffer` only."""
    if owner is PickledHistoryBuffer and isinstance(name, str):
        return name
    raise pickle.UnpicklingError(
        f"Unsupported global: GLOBAL builtins.getattr on {owner!r} (only MMEngine's "
        "HistoryBuffer statistics table may use it)"
    )


@functools.cache
def foreign_safe_globals() -> list[Any]:
    """``torch.serialization.safe_globals`` entries for MMEngine's pickled objects (made
    once; every weights-only load passes them)."""
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy 1.x
        from numpy.core import multiarray

    entries: list[Any] = [
        (PickledHistoryBuffer, _MMENGINE_HISTORY_BUFFER),
        (_stand_in_getattr, "builtins.getattr"),
        (np.ndarray, "numpy.ndarray"),
        (np.dtype, "numpy.dtype"),
    ]
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):
        entries.append((multiarray._reconstruct, f"{module}._reconstruct"))
        entries.append((multiarray.scalar, f"{module}.scalar"))
    # numpy 2 may name a dtype by its class (``numpy.dtypes.Float64DType``)
    for dtype_class in {type(np.dtype(code)) for code in "?bhilqBHILQefdgFDGSUV"}:
        entries.append((dtype_class, f"numpy.dtypes.{dtype_class.__name__}"))
    return entries
