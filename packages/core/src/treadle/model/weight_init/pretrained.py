"""``Pretrained`` init: load weights from a checkpoint file into a module.

The file is read by :mod:`treadle.runner.checkpoint` (local paths, any fileio URI,
``http(s)://``) with ``torch.load(..., weights_only=True)``: a checkpoint cannot run
code on load unless the config opts out with ``weights_only=False``.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import torch
from torch import nn

from treadle.registry import WEIGHT_INITIALIZERS

_WRAPPER_PREFIX = re.compile(r"^module\.")


def load_checkpoint_file(
    filename: str, map_location: Any = "cpu", weights_only: bool = True
) -> dict[str, Any]:
    """Read a checkpoint (a dict) from ``filename``, refusing pickled code by default.

    Goes through :func:`treadle.runner.checkpoint._load_checkpoint`: local paths,
    fileio URIs and ``http(s)://``; damaged files raise ``CheckpointError``.
    """
    from treadle.runner.checkpoint import _load_checkpoint

    try:
        checkpoint = _load_checkpoint(filename, map_location, weights_only=weights_only)
    except FileNotFoundError as exc:
        raise FileNotFoundError(
            f"pretrained checkpoint {filename!r} does not exist; check the 'checkpoint' key "
            f"of the Pretrained init_cfg"
        ) from exc
    if not isinstance(checkpoint, dict):
        raise TypeError(
            f"checkpoint {filename!r} holds a {type(checkpoint).__name__}, expected a dict "
            f"(a state dict, or a dict with a 'state_dict' key)"
        )
    return checkpoint


def state_dict_from(
    checkpoint: dict[str, Any], prefix: str | None, filename: str
) -> dict[str, torch.Tensor]:
    """The weights of ``checkpoint``: its ``state_dict`` entry (or itself), keys revised.

    Without ``prefix`` a DDP ``module.`` prefix is stripped; with one, only keys
    starting with it are kept, with it removed (``'backbone'`` means ``'backbone.'``).
    """
    state_dict = checkpoint.get("state_dict", checkpoint)
    if prefix is None:
        return {_WRAPPER_PREFIX.sub("", key): value for key, value in state_dict.items()}
    if not prefix.endswith("."):
        prefix += "."
    kept = {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
    if not kept:
        sample = ", ".join(list(state_dict)[:5])
        raise KeyError(
            f"no key of checkpoint {filename!r} starts with prefix {prefix!r} (keys look like: "
            f"{sample}); fix the 'prefix' of the Pretrained init_cfg"
        )
    return kept


def load_weights(module: nn.Module, state_dict: dict[str, torch.Tensor], source: str) -> None:
    """Load what fits (``strict=False``) and warn about what did not, as MMEngine does.

    Entries whose shape differs from the module's are skipped rather than raising.
    """
    own = module.state_dict()
    skipped = {
        key
        for key, value in state_dict.items()
        if key in own and isinstance(value, torch.Tensor) and value.shape != own[key].shape
    }
    mismatched = [
        f"{key}: checkpoint {tuple(state_dict[key].shape)} vs model {tuple(own[key].shape)}"
        for key in sorted(skipped)
    ]
    fitting = {key: value for key, value in state_dict.items() if key not in skipped}
    result = module.load_state_dict(fitting, strict=False)
    problems = []
    if result.unexpected_keys:
        problems.append(f"unexpected keys in source: {', '.join(result.unexpected_keys)}")
    if result.missing_keys:
        problems.append(f"missing keys in source: {', '.join(result.missing_keys)}")
    if mismatched:
        problems.append(f"shape mismatch (skipped): {'; '.join(mismatched)}")
    if problems:
        warnings.warn(
            f"the model and the weights from {source} do not match exactly:\n"
            + "\n".join(problems),
            stacklevel=3,
        )


@WEIGHT_INITIALIZERS.register_module(name="Pretrained")
class PretrainedInit:
    """Initialise a module from a checkpoint.

    Args:
        checkpoint: path or URI of the checkpoint.
        prefix: load only the keys under this prefix (``'backbone.'``), stripped.
        map_location: where tensors are loaded (``torch.load``'s argument).
        weights_only: treadle addition; pass False only for checkpoints you trust.
    """

    def __init__(
        self,
        checkpoint: str,
        prefix: str | None = None,
        map_location: Any = "cpu",
        weights_only: bool = True,
    ) -> None:
        self.checkpoint = checkpoint
        self.prefix = prefix
        self.map_location = map_location
        self.weights_only = weights_only

    def __call__(self, module: nn.Module) -> None:
        checkpoint = load_checkpoint_file(self.checkpoint, self.map_location, self.weights_only)
        state_dict = state_dict_from(checkpoint, self.prefix, self.checkpoint)
        load_weights(module, state_dict, source=repr(self.checkpoint))

    def __repr__(self) -> str:
        return f"PretrainedInit(checkpoint={self.checkpoint!r}, prefix={self.prefix!r})"
