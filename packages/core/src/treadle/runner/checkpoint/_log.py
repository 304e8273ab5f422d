"""Messages of checkpoint IO go to the caller's logger, as MMEngine's ``print_log`` does.

``logger`` is a ``logging.Logger``, ``'silent'``, or ``None``/``'current'``/a name:
those go through ``treadle.logging.print_log`` when that module is installed, else
to the standard ``treadle`` logger.
"""

from __future__ import annotations

import logging
from typing import Any


def log(msg: str, logger: Any = None, level: int = logging.INFO) -> None:
    """Send ``msg`` to ``logger`` at ``level``."""
    if logger == "silent":
        return
    if isinstance(logger, logging.Logger):
        logger.log(level, msg)
        return
    try:
        from treadle.logging import print_log
    except ImportError:  # the logging module is optional for checkpoint IO
        logging.getLogger(logger if isinstance(logger, str) else "treadle").log(level, msg)
        return
    print_log(msg, logger=logger if logger is not None else "current", level=level)
