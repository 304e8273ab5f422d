"""Check each training loss before it is back-propagated (``train_cfg.nonfinite_loss``).

The check wraps the optimizer wrappers' ``update_params`` for the duration of
``train()``, so a skipped step neither back-propagates nor steps, and it works
for any model whose ``train_step`` updates through its optim wrapper.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class NonFiniteLossError(FloatingPointError):
    """The loss was NaN or infinite; the message names the iteration."""


def _where(runner: Any) -> str:
    loop = runner.train_loop
    return f"iteration {loop.iter + 1} (epoch {loop.epoch + 1})"


@contextmanager
def guard_nonfinite_loss(runner: Any, mode: str) -> Iterator[None]:
    """Within the block, a NaN/inf loss raises (``'raise'``) or is skipped (``'skip'``)."""
    if mode == "ignore":
        yield
        return
    wrapper = runner.optim_wrapper
    wrappers = list(wrapper.values()) if hasattr(wrapper, "values") else [wrapper]
    originals = [w.update_params for w in wrappers]

    def guarded(original: Any, inner: Any) -> Any:
        def update_params(loss: Any, *args: Any, **kwargs: Any) -> None:
            if not math.isfinite(loss.item()):
                message = f"non-finite loss {loss.item()} at {_where(runner)}"
                if mode == "raise":
                    raise NonFiniteLossError(
                        message + "; set train_cfg nonfinite_loss='skip' to skip such steps"
                    )
                runner.logger.warning(message + "; skipping this step (nonfinite_loss='skip')")
                inner.zero_grad()
                return
            original(loss, *args, **kwargs)

        return update_params

    for inner, original in zip(wrappers, originals, strict=True):
        inner.update_params = guarded(original, inner)
    try:
        yield
    finally:
        for inner in wrappers:
            del inner.update_params
