"""``DefaultScope``: which registry scope unscoped ``type`` names start from.

The Runner creates one from the config's ``default_scope`` key; ``_scope_`` in a
cfg overrides it for the duration of one build (and the builds nested in it).
"""

from __future__ import annotations

import itertools

from treadle.utils.manager import ManagerMixin

_overrides = itertools.count()


class DefaultScope(ManagerMixin):
    """A named instance holding the current default ``scope_name``."""

    def __init__(self, name: str, scope_name: str) -> None:
        super().__init__(name)
        if not isinstance(scope_name, str):
            raise TypeError(f"scope_name must be a str, got {type(scope_name).__name__}")
        self._scope_name = scope_name

    @property
    def scope_name(self) -> str:
        return self._scope_name

    @classmethod
    def get_current_instance(cls) -> DefaultScope | None:  # type: ignore[override]
        """The latest instance, or None when no default scope was set."""
        table = cls._instance_dict
        return next(reversed(table.values())) if table else None  # type: ignore[return-value]

    @classmethod
    def current_scope_name(cls) -> str | None:
        table = cls._instance_dict
        return next(reversed(table.values())).scope_name if table else None  # type: ignore[attr-defined]

    @classmethod
    def overwrite_default_scope(cls, scope_name: str | None) -> _Overwrite:
        """A context manager making ``scope_name`` current inside it; None changes nothing."""
        return _Overwrite(cls, scope_name)


class _Overwrite:
    """``with DefaultScope.overwrite_default_scope(name):`` (a class: no contextlib import)."""

    __slots__ = ("_cls", "_name", "_scope_name")

    def __init__(self, cls: type[DefaultScope], scope_name: str | None) -> None:
        self._cls = cls
        self._scope_name = scope_name
        self._name: str | None = None

    def __enter__(self) -> None:
        if self._scope_name is not None:
            self._name = f"overwrite-{next(_overrides)}"
            self._cls.get_instance(self._name, scope_name=self._scope_name)

    def __exit__(self, *exc_info: object) -> None:
        if self._name is not None:
            self._cls._instance_dict.pop(self._name, None)
