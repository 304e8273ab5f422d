"""State dicts without wrapper prefixes, and loading them with a clear report of misfits.

Model wrappers (``treadle.model.is_model_wrapper``: DDP, DataParallel, registered
wrappers) are looked through at every level, so a checkpoint saved from a wrapped
model loads into a bare one and the other way round.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import torch
from torch import nn
from torch.nn.modules.module import _IncompatibleKeys

from treadle.model.test_time_aug import BaseTTAModel
from treadle.model.wrappers import unwrap_model
from treadle.runner.checkpoint._log import log


def get_state_dict(
    module: nn.Module,
    destination: OrderedDict | None = None,
    prefix: str = "",
    keep_vars: bool = False,
) -> OrderedDict:
    """``module.state_dict()`` with every model wrapper's ``module.`` level left out."""
    module = unwrap_model(module)
    if destination is None:
        destination = OrderedDict()
        destination._metadata = OrderedDict()  # type: ignore[attr-defined]
    metadata = getattr(destination, "_metadata", None)
    local_metadata = dict(version=module._version)
    if metadata is not None:
        metadata[prefix[:-1]] = local_metadata
    for hook in module._state_dict_pre_hooks.values():
        hook(module, prefix, keep_vars)
    module._save_to_state_dict(destination, prefix, keep_vars)
    for name, child in module._modules.items():
        if child is not None:
            get_state_dict(child, destination, f"{prefix}{name}.", keep_vars)
    for hook in module._state_dict_hooks.values():
        result = hook(module, destination, prefix, local_metadata)
        if result is not None:
            destination = result
    return destination


def weights_to_cpu(state_dict: dict[str, Any]) -> OrderedDict:
    """A copy of ``state_dict`` with every tensor moved to the CPU (metadata kept)."""
    cpu = OrderedDict(
        (key, value.cpu() if isinstance(value, torch.Tensor) else value)
        for key, value in state_dict.items()
    )
    cpu._metadata = getattr(state_dict, "_metadata", OrderedDict())  # type: ignore[attr-defined]
    return cpu


def revise_keys(state_dict: dict[str, Any], revisions: Iterable[tuple[str, str]]) -> OrderedDict:
    """Apply each ``(pattern, replacement)`` ``re.sub`` to every key, in order."""
    metadata = getattr(state_dict, "_metadata", OrderedDict())
    for pattern, replacement in revisions:
        state_dict = OrderedDict(
            (re.sub(pattern, replacement, key), value) for key, value in state_dict.items()
        )
    revised = OrderedDict(state_dict)
    revised._metadata = metadata  # type: ignore[attr-defined]
    return revised


def load_state_dict(
    module: nn.Module, state_dict: dict[str, Any], strict: bool = False, logger: Any = None
) -> None:
    """Load ``state_dict`` into ``module``, reporting keys and shapes that do not fit.

    Unlike ``nn.Module.load_state_dict`` a shape mismatch is reported, not raised,
    unless ``strict``; the mismatched entry is left as the module had it. With
    ``strict`` a ``RuntimeError`` lists every misfit; otherwise they are logged at
    WARNING. Missing ``num_batches_tracked`` buffers are not reported (MMEngine).
    """
    _load_state_dict(module, state_dict, strict, logger, source=None)


def _holding_the_weights(module: nn.Module) -> nn.Module:
    """The model inside wrappers and test-time-augmentation models: a checkpoint of the bare
    model loads into it (MMEngine's rule), e.g. for ``treadle test --tta``."""
    while True:
        module = unwrap_model(module)
        if not isinstance(module, BaseTTAModel):
            return module
        module = module.module


def _load_state_dict(
    module: nn.Module,
    state_dict: dict[str, Any],
    strict: bool,
    logger: Any,
    source: str | None,
) -> None:
    unexpected: list[str] = []
    missing: list[str] = []
    mismatched: list[str] = []
    metadata = getattr(state_dict, "_metadata", None)
    state_dict = OrderedDict(state_dict)
    if metadata is not None:
        state_dict._metadata = metadata  # type: ignore[attr-defined]

    def load(mod: nn.Module, prefix: str = "") -> None:
        mod = _holding_the_weights(mod)
        local_metadata = {} if metadata is None else metadata.get(prefix[:-1], {})
        mod._load_from_state_dict(
            state_dict, prefix, local_metadata, True, missing, unexpected, mismatched
        )
        for name, child in mod._modules.items():
            if child is not None:
                load(child, f"{prefix}{name}.")
        incompatible = _IncompatibleKeys(missing, unexpected)
        for hook in mod._load_state_dict_post_hooks.values():
            hook(mod, incompatible)

    load(module)
    missing = [key for key in missing if "num_batches_tracked" not in key]
    problems = []
    if unexpected:
        problems.append(f"unexpected keys in source state_dict: {', '.join(unexpected)}")
    if missing:
        problems.append(f"missing keys in source state_dict: {', '.join(missing)}")
    if mismatched:
        problems.append("not loaded, shapes differ:\n  " + "\n  ".join(mismatched))
    if not problems:
        return
    from treadle.dist import get_rank

    origin = f" from {source!r}" if source else ""
    message = f"The model and the state dict{origin} do not match exactly:\n" + "\n".join(problems)
    if strict:
        raise RuntimeError(message + "\n(pass strict=False to load what fits)")
    if get_rank() == 0:
        log(message, logger, level=logging.WARNING)
