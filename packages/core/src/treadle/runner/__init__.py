"""The runner: assembles the training components and hands control to loops.

Names resolve lazily (PEP 562), so ``treadle.runner.checkpoint`` users do not
import the whole runner. The checkpoint functions, ``autocast``, ``LogProcessor``
and the hook priorities are re-exported here, where MMEngine users import them.
"""

from __future__ import annotations

from treadle.utils.lazy import lazy_exports

TYPE_CHECKING = False
if TYPE_CHECKING:
    from treadle.hooks.priority import Priority, get_priority
    from treadle.logging.log_processor import LogProcessor
    from treadle.runner.activation_checkpointing import turn_on_activation_checkpointing
    from treadle.runner.amp import autocast
    from treadle.runner.checkpoint import (
        CheckpointLoader,
        find_latest_checkpoint,
        get_state_dict,
        load_checkpoint,
        load_state_dict,
        save_checkpoint,
        weights_to_cpu,
    )
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
    "autocast": "treadle.runner.amp",
    "LogProcessor": "treadle.logging.log_processor",
    "Priority": "treadle.hooks.priority",
    "get_priority": "treadle.hooks.priority",
    "CheckpointLoader": "treadle.runner.checkpoint",
    "find_latest_checkpoint": "treadle.runner.checkpoint",
    "get_state_dict": "treadle.runner.checkpoint",
    "load_checkpoint": "treadle.runner.checkpoint",
    "load_state_dict": "treadle.runner.checkpoint",
    "save_checkpoint": "treadle.runner.checkpoint",
    "weights_to_cpu": "treadle.runner.checkpoint",
    "turn_on_activation_checkpointing": "treadle.runner.activation_checkpointing",
}

__all__ = [
    "BaseLoop",
    "CheckpointLoader",
    "EpochBasedTrainLoop",
    "IterBasedTrainLoop",
    "LogProcessor",
    "MissingPartsError",
    "NonFiniteLossError",
    "Priority",
    "Runner",
    "TestLoop",
    "ValLoop",
    "autocast",
    "find_latest_checkpoint",
    "get_priority",
    "get_state_dict",
    "load_checkpoint",
    "load_state_dict",
    "save_checkpoint",
    "set_random_seed",
    "turn_on_activation_checkpointing",
    "weights_to_cpu",
]

__getattr__, __dir__ = lazy_exports(__name__, _LAZY_NAMES)
