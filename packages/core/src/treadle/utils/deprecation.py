"""Decorators that keep old call sites working while telling their authors to move on."""

from __future__ import annotations

import functools
import inspect
import logging
import warnings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def deprecated_api_warning(name_dict: dict[str, str], cls_name: str | None = None) -> Callable:
    """Accept renamed keyword arguments under their old names, with a ``DeprecationWarning``.

    ``name_dict`` maps each old argument name to its new one; a call passing
    ``old=v`` is forwarded as ``new=v``. ``cls_name`` prefixes the function name
    in the warning (for methods).
    """
    if not isinstance(name_dict, dict):
        raise TypeError(f"name_dict must map old argument names to new ones, got {name_dict!r}")

    def decorator(func: Callable) -> Callable:
        label = func.__name__ if cls_name is None else f"{cls_name}.{func.__name__}"
        positional = [
            p.name
            for p in inspect.signature(func).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]

        def warn(old: str, new: str) -> None:
            warnings.warn(
                f'"{old}" is deprecated in `{label}`, please use "{new}" instead',
                DeprecationWarning,
                stacklevel=3,
            )

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            # a positional argument landing on a parameter that still has an old name
            for old, new in name_dict.items():
                if old in positional[: len(args)]:
                    warn(old, new)
            for old, new in name_dict.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(
                            f"`{label}` got both the deprecated argument `{old}` and its "
                            f"replacement `{new}`; pass only `{new}`"
                        )
                    warn(old, new)
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper

    return decorator


def deprecated_function(since: str, removed_in: str, instructions: str) -> Callable:
    """Log a warning on each call of the decorated function and note the deprecation
    at the top of its docstring.

    The warning goes to the current ``MMLogger`` (as in MMEngine), so it shows in
    a run's log next to what caused it.
    """

    def decorator(func: Callable) -> Callable:
        message = (
            f"'{func.__module__}.{func.__name__}' is deprecated since version {since} and "
            f"goes away in version {removed_in}: {instructions}."
        )

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from treadle.logging import print_log

            print_log(message, logger="current", level=logging.WARNING)
            return func(*args, **kwargs)

        note = (
            f".. deprecated:: {since}\n    To be removed in version {removed_in}; {instructions}.\n"
        )
        original = inspect.cleandoc(func.__doc__ or "")
        wrapper.__doc__ = f"{note}\n{original}" if original else note
        return wrapper

    return decorator
