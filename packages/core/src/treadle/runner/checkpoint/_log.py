"""Messages of checkpoint IO go to the caller's logger through ``print_log``.

``logger`` is what ``print_log`` takes (a ``logging.Logger``, a logger name,
``'silent'``, ``'current'``); None means ``'current'``: the run's logger, not stdout.
"""

from __future__ import annotations

import logging
from typing import Any


def log(msg: str, logger: Any = None, level: int = logging.INFO) -> None:
    """Send ``msg`` to ``logger`` at ``level``."""
    from treadle.logging import print_log

    print_log(msg, logger=logger if logger is not None else "current", level=level)
