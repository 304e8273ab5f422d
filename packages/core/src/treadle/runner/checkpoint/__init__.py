"""Checkpoint IO: atomic saves, ``weights_only`` loads, scheme loaders, resume markers.

MMEngine's ``mmengine.runner.checkpoint`` names, with ``CheckpointError`` for damaged
files and :func:`find_loadable_checkpoint`/:func:`rng_state` for exact resumes.
"""

from treadle.runner.checkpoint.errors import CheckpointError, UnsafeCheckpointError
from treadle.runner.checkpoint.io import (
    _load_checkpoint,
    _load_checkpoint_to_model,
    load_checkpoint,
    save_checkpoint,
)
from treadle.runner.checkpoint.latest import (
    find_latest_checkpoint,
    find_loadable_checkpoint,
    write_last_checkpoint,
)
from treadle.runner.checkpoint.loaders import (
    CheckpointLoader,
    load_from_fileio,
    load_from_http,
    load_from_local,
)
from treadle.runner.checkpoint.rng import rng_state, set_rng_state
from treadle.runner.checkpoint.state import (
    get_state_dict,
    load_state_dict,
    revise_keys,
    weights_to_cpu,
)

__all__ = [
    "CheckpointError",
    "CheckpointLoader",
    "UnsafeCheckpointError",
    "_load_checkpoint",
    "_load_checkpoint_to_model",
    "find_latest_checkpoint",
    "find_loadable_checkpoint",
    "get_state_dict",
    "load_checkpoint",
    "load_from_fileio",
    "load_from_http",
    "load_from_local",
    "load_state_dict",
    "revise_keys",
    "rng_state",
    "save_checkpoint",
    "set_rng_state",
    "weights_to_cpu",
    "write_last_checkpoint",
]
