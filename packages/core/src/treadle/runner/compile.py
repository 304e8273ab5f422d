"""``cfg.compile``: ``torch.compile`` the model's ``train_step`` before training, as MMEngine.

``compile=True`` uses torch's defaults; a dict gives ``torch.compile``'s keyword arguments
(e.g. ``dict(backend='inductor', mode='max-autotune')``); absent or False: no compiling.
The (possibly wrapped) model's ``train_step`` is replaced by its compiled form, after the
model was wrapped and the weights loaded.
"""

from __future__ import annotations

from typing import Any

import torch


def compile_options(value: Any) -> dict[str, Any] | None:
    """The ``torch.compile`` keyword arguments ``cfg.compile`` asks for, or None for none."""
    if value is None or value is False:
        return None
    if value is True:
        return {}
    if isinstance(value, dict):
        return dict(value)
    raise TypeError(
        f"cfg.compile must be True, False or a dict of torch.compile arguments (e.g. "
        f"dict(backend='inductor')), got {type(value).__name__}: {value!r}"
    )


def maybe_compile(model: Any, value: Any, logger: Any, target: str = "train_step") -> None:
    """Replace ``model.<target>`` by its ``torch.compile``d form when ``value`` asks for it."""
    options = compile_options(value)
    if options is None:
        return
    setattr(model, target, torch.compile(getattr(model, target), **options))
    logger.info(
        f"model.{target} is compiled with torch.compile({options or ''}): the first "
        "iterations are slower while it compiles"
    )
