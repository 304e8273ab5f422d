"""Decorators that refuse to run a function whose optional packages or programs are missing.

The check runs at each call, not at decoration, so a module can define such a
function without its optional dependency installed.
"""

from __future__ import annotations

import functools
import importlib
import shutil

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_DEFAULT_TMPL = 'Missing prerequisites "{}" for method "{}": install them first.'


def check_prerequisites(
    prerequisites: str | list[str],
    checker: Callable[[str], bool],
    msg_tmpl: str = _DEFAULT_TMPL,
) -> Callable:
    """A decorator factory: calling the decorated function raises ``RuntimeError`` unless
    ``checker(item)`` holds for every item of ``prerequisites``.

    The message is ``msg_tmpl.format(missing, function_name)``, ``missing`` being
    the comma-separated names that failed the check.
    """
    return _guard(
        prerequisites, checker, lambda missing, func: msg_tmpl.format(", ".join(missing), func)
    )


def _guard(
    prerequisites: str | list[str],
    checker: Callable[[str], bool],
    message: Callable[[list[str], str], str],
) -> Callable:
    required = [prerequisites] if isinstance(prerequisites, str) else prerequisites
    if not isinstance(required, (list, tuple)) or not all(isinstance(r, str) for r in required):
        raise TypeError(f"prerequisites must be a str or a list of str, got {prerequisites!r}")

    def decorator(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            missing = [item for item in required if not checker(item)]
            if missing:
                raise RuntimeError(message(missing, func.__name__))
            return func(*args, **kwargs)

        return wrapper

    return decorator


def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def _on_path(executable: str) -> bool:
    return shutil.which(executable) is not None


def _missing_packages(missing: list[str], func: str) -> str:
    return (
        f"{func}() needs the Python package(s) {', '.join(map(repr, missing))}, which cannot "
        f"be imported; install them first, e.g. `pip install {' '.join(missing)}` (a "
        "distribution may be named differently from its module, as opencv-python provides cv2)"
    )


def _missing_executables(missing: list[str], func: str) -> str:
    return (
        f"{func}() needs the program(s) {', '.join(map(repr, missing))}, not found on PATH; "
        "install them or add their directory to PATH"
    )


def requires_package(prerequisites: str | list[str]) -> Callable:
    """Refuse to call the decorated function unless each named module imports."""
    return _guard(prerequisites, _importable, _missing_packages)


def requires_executable(prerequisites: str | list[str]) -> Callable:
    """Refuse to call the decorated function unless each named program is on ``PATH``."""
    return _guard(prerequisites, _on_path, _missing_executables)
