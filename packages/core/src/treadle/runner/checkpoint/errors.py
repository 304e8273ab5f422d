"""Errors of checkpoint IO; each names the file at fault and chains the original error.

``CheckpointError`` subclasses ``RuntimeError`` because that is what ``torch.load``
raises for a damaged archive, so code that caught torch's error keeps working.
"""

from __future__ import annotations

import pickle


class CheckpointError(RuntimeError):
    """A checkpoint could not be read: truncated, corrupt, or not a checkpoint at all."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f"cannot load checkpoint {filename!r}: {reason}")
        self.filename = filename


class UnsafeCheckpointError(CheckpointError, pickle.UnpicklingError):
    """``weights_only=True`` refused a pickled object that is not plain data.

    Also a ``pickle.UnpicklingError``, the type ``torch.load`` raises for it.
    """

    def __init__(self, filename: str, global_name: str) -> None:
        super().__init__(
            filename,
            f"it holds a pickled {global_name}, which weights_only=True refuses to build "
            f"because unpickling it could run code. If you trust the file, pass "
            f"weights_only=False where it is loaded (the load_checkpoint argument, or the "
            f"Pretrained init_cfg key), or allowlist the class with "
            f"torch.serialization.add_safe_globals",
        )
        self.global_name = global_name
