"""What the parity scripts (run by ``nox -s parity`` beside a live MMEngine) share."""

from __future__ import annotations

import logging
import warnings

MMENGINE_VERSION = "0.10.7"


def mmengine_mismatch(quiet: bool = True) -> str | None:
    """Why the installed MMEngine is not the one parity is defined against, or None.

    ``quiet`` first silences warnings and log records below ERROR: both frameworks warn
    about the toy jobs, and the scripts print only their comparisons.
    """
    if quiet:
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)
    import mmengine

    if mmengine.__version__ != MMENGINE_VERSION:
        return (
            f"parity is defined against mmengine {MMENGINE_VERSION}, found {mmengine.__version__}"
        )
    return None
