"""The runner: assembles the training components and hands control to loops.

Names resolve lazily (PEP 562), so ``treadle.runner.checkpoint`` users do not
import the whole runner.
"""

from __future__ import annotations

from treadle.utils.lazy import lazy_exports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from treadle.runner.env import set_random_seed
    from treadle.runner.loops import (
        BaseLoop,
        EpochBasedTrainLoop,
        IterBasedTrainLoop,
        TestLoop,
        ValLoop,
    )
    from treadle.runner.loss_guard import NonFiniteLossError
    from treadle.runner.runner import MissingPartsError, Runner

_LAZY_NAMES = {
    "Runner": "treadle.runner.runner",
    "MissingPartsError": "treadle.runner.runner",
    "BaseLoop": "treadle.runner.loops",
    "EpochBasedTrainLoop": "treadle.runner.loops",
    "IterBasedTrainLoop": "treadle.runner.loops",
    "ValLoop": "treadle.runner.loops",
    "TestLoop": "treadle.runner.loops",
    "NonFiniteLossError": "treadle.runner.loss_guard",
    "set_random_seed": "treadle.runner.env",
}

__all__ = [
    "BaseLoop",
    "EpochBasedTrainLoop",
    "IterBasedTrainLoop",
    "MissingPartsError",
    "NonFiniteLossError",
    "Runner",
    "TestLoop",
    "ValLoop",
    "set_random_seed",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY_NAMES)
