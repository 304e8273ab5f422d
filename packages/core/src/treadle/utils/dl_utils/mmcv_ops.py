"""Whether mmcv with its compiled ops ("mmcv-full") can be imported."""

from __future__ import annotations

import importlib.util


def mmcv_full_available() -> bool:
    """True when ``mmcv`` imports and ships its compiled extension ``mmcv._ext``."""
    try:
        return importlib.util.find_spec("mmcv._ext") is not None
    except ImportError:  # mmcv itself is missing or fails to import
        return False
