"""MMEngine's deprecated ``file_client_args``, accepted where ``backend_args`` is."""

from __future__ import annotations

import warnings
from typing import Any


def resolve_backend_args(
    owner: str, file_client_args: dict | None, backend_args: dict | None
) -> dict[str, Any] | None:
    """``backend_args``, or ``file_client_args`` (deprecated, with a warning) in its place."""
    if file_client_args is None:
        return backend_args
    if backend_args is not None:
        raise ValueError(
            f"{owner}: file_client_args and backend_args cannot both be set; keep backend_args"
        )
    warnings.warn(
        f"{owner}: file_client_args is deprecated, use backend_args (same keys)",
        DeprecationWarning,
        stacklevel=3,
    )
    return dict(file_client_args)
