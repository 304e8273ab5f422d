"""Check each training loss before it is back-propagated (``train_cfg.nonfinite_loss``).

For the duration of ``train()`` the runner's optim wrappers get a
``nonfinite_loss_handler``: ``OptimWrapper.update_params`` checks the loss and hands
a NaN/inf one to it instead of back-propagating. The handler raises (``'raise'``)
or warns and lets the wrapper skip the step (``'skip'``), so the check holds for
any model whose ``train_step`` updates through its optim wrappers, including
models that drive an ``OptimWrapperDict``'s wrappers themselves.
"""

from __future__ import annotations

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

    def handle(inner: Any, loss: Any) -> None:
        message = f"non-finite loss {loss.item()} at {_where(runner)}"
        if mode == "raise":
            raise NonFiniteLossError(
                message + "; set train_cfg nonfinite_loss='skip' to skip such steps"
            )
        runner.logger.warning(message + "; skipping this step (nonfinite_loss='skip')")

    for inner in wrappers:
        if not hasattr(inner, "nonfinite_loss_handler"):
            raise TypeError(
                f"train_cfg nonfinite_loss={mode!r} needs optim wrappers with a "
                f"nonfinite_loss_handler (OptimWrapper and its subclasses); "
                f"{type(inner).__name__} has none: set nonfinite_loss='ignore'"
            )
        inner.nonfinite_loss_handler = handle
    try:
        yield
    finally:
        for inner in wrappers:
            inner.nonfinite_loss_handler = None
