"""Named global instances: ``Cls.get_instance(name)`` and ``Cls.get_current_instance()``.

MessageHub, Visualizer and DefaultScope are managed this way, as in MMEngine:
``ManagerMeta`` gives each class its own ordered table of instances, and the most
recently created one is the *current* instance.
"""

from __future__ import annotations

import warnings
from _thread import RLock

TYPE_CHECKING = False  # keep typing out of the import path of the registry
if TYPE_CHECKING:
    from typing import Any, TypeVar

    T = TypeVar("T", bound="ManagerMixin")

_lock = RLock()


class ManagerMeta(type):
    """Metaclass of managed classes: each class gets its own instance table.

    A managed class is created by name (``get_instance(name)``), so its
    constructor must accept a ``name`` argument; a class without one is refused
    when it is defined rather than on first use.
    """

    _instance_dict: dict[str, Any]

    def __init__(cls, *args: Any) -> None:
        super().__init__(*args)
        cls._instance_dict = {}
        if "name" not in _init_parameters(cls.__init__):
            raise TypeError(
                f"{cls.__module__}.{cls.__qualname__}.__init__ must accept a `name` argument "
                f"(instances of a managed class are created by name)"
            )


def _init_parameters(init: Any) -> tuple[str, ...]:
    """Parameter names of ``init`` that a caller can pass by keyword."""
    init = getattr(init, "__wrapped__", init)
    code = getattr(init, "__code__", None)
    if code is None:  # a builtin or a callable object: ask inspect (rare, so imported here)
        import inspect

        try:
            return tuple(inspect.signature(init).parameters)
        except (TypeError, ValueError):
            return ()
    return code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]


class ManagerMixin(metaclass=ManagerMeta):
    """Give a class a per-class table of named instances."""

    _instance_dict: dict[str, ManagerMixin]

    def __init__(self, name: str = "", **kwargs: Any) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(
                f"{type(self).__name__} instances need a non-empty str name, got {name!r}"
            )
        super().__init__(**kwargs)
        self._instance_name = name

    @property
    def instance_name(self) -> str:
        return self._instance_name

    @classmethod
    def get_instance(cls: type[T], name: str, **kwargs: Any) -> T:
        """Return the instance called ``name``, creating it with ``kwargs`` if absent.

        A newly created instance becomes the current one; fetching an existing
        one does not change which is current (MMEngine's behaviour).
        """
        with _lock:
            table = cls._instance_dict
            instance = table.get(name)
            if instance is None:
                instance = cls(name=name, **kwargs)
                table[name] = instance
            elif kwargs:
                warnings.warn(
                    f"{cls.__name__} instance {name!r} already exists; the arguments "
                    f"{sorted(kwargs)} are ignored",
                    stacklevel=2,
                )
            return instance  # type: ignore[return-value]

    @classmethod
    def get_current_instance(cls: type[T]) -> T:
        """Return the most recently created instance."""
        table = cls._instance_dict
        if not table:
            raise RuntimeError(
                f"No {cls.__name__} instance has been created yet; call "
                f"{cls.__name__}.get_instance(name) first"
            )
        return next(reversed(table.values()))  # type: ignore[return-value]

    @classmethod
    def check_instance_created(cls, name: str) -> bool:
        return name in cls._instance_dict
