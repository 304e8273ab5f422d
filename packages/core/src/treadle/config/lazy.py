"""Objects a pure-Python config imports without importing them: ``LazyObject``, ``LazyAttr``.

In MMEngine's pure-Python config style, ``from torch.optim import SGD`` in a
config does not import torch: ``SGD`` becomes a :class:`LazyObject` that
imports the module when the value is read from the loaded config (or built
through a registry), and ``to_dict()`` writes it as ``'torch.optim.SGD'``.
"""

from __future__ import annotations

import importlib

from treadle.config import config_dict
from treadle.config.config_dict import ConfigDict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# True while a pure-Python config runs: values read then stay lazy
parsing = False


class LazyObject:
    """A module, or a name imported from one, imported only on :meth:`build`.

    ``module`` is a dotted module name, or a list of them for ``import a.b`` (which
    binds the top package ``a``); ``imported`` is the name taken from the module.
    """

    def __init__(
        self, module: str | list[str], imported: str | None = None, location: str | None = None
    ) -> None:
        self._module = module
        self._imported = imported
        self.location = location

    @property
    def module(self) -> str:
        if isinstance(self._module, str):
            return self._module
        return self._module[0].split(".")[0]

    def build(self) -> Any:
        """Import the module (and take the name from it)."""
        names = [self._module] if isinstance(self._module, str) else list(self._module)
        try:
            for name in names:
                module = importlib.import_module(name)
        except ImportError as exc:
            raise ImportError(f"cannot import {self._module!r} ({self.location}): {exc}") from exc
        if not isinstance(self._module, str):
            return importlib.import_module(self.module)
        if self._imported is None:
            return module
        try:
            return getattr(module, self._imported)
        except AttributeError:
            raise ImportError(
                f"cannot import {self._imported!r} from {self._module!r} ({self.location})"
            ) from None

    def __getattr__(self, name: str) -> LazyAttr:
        if name.startswith("__"):
            raise AttributeError(name)
        location = self.location.split(", line")[0] if self.location else None
        return LazyAttr(name, self, location)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            f"{self} is imported lazily in a pure-Python config ({self.location}): it cannot "
            f"be called while the config is read; use it as a value, e.g. type={self}"
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> LazyObject:
        return LazyObject(self._module, self._imported, self.location)

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __str__(self) -> str:
        return self._imported if self._imported is not None else self.module

    __repr__ = __str__


class LazyAttr:
    """An attribute of a :class:`LazyObject` (``nn.ReLU`` after ``import torch.nn as nn``)."""

    def __init__(self, name: str, source: LazyObject | LazyAttr, location: str | None = None):
        self.name = name
        self.source = source
        self.location = location
        if isinstance(source, LazyAttr):
            self._module = f"{source._module}.{source.name}"
        elif isinstance(source._module, str):
            self._module = (
                source._module if source._imported is None else f"{source._module}.{source}"
            )
        else:
            self._module = str(source)

    @property
    def module(self) -> str:
        return self._module

    def build(self) -> Any:
        obj = self.source.build()
        try:
            return getattr(obj, self.name)
        except AttributeError:
            raise ImportError(
                f"cannot import {self._module}.{self.name} ({self.location})"
            ) from None

    def __getattr__(self, name: str) -> LazyAttr:
        if name.startswith("__"):
            raise AttributeError(name)
        return LazyAttr(name, self)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            f"{self._module}.{self.name} is imported lazily in a pure-Python config: it "
            f"cannot be called while the config is read"
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> LazyAttr:
        return LazyAttr(self.name, self.source)

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __str__(self) -> str:
        return self.name

    __repr__ = __str__


config_dict.LAZY_TYPES = (LazyObject, LazyAttr)


def _built(value: Any) -> Any:
    if not parsing and isinstance(value, (LazyObject, LazyAttr)):
        return value.build()
    return value


class LazyConfigDict(ConfigDict):
    """The ConfigDict of a pure-Python config: reading a lazy value imports it.

    ``dict(cfg)`` and ``**cfg`` read through ``__getitem__`` too (``__iter__`` is
    overridden), so registries receive built objects, as with MMEngine.
    """

    __slots__ = ()

    def __getitem__(self, key: Any) -> Any:
        return _built(dict.__getitem__(self, key))

    def get(self, key: Any, default: Any = None) -> Any:
        return _built(dict.get(self, key, default))

    def pop(self, key: Any, *default: Any) -> Any:
        return _built(dict.pop(self, key, *default))

    def items(self) -> list[tuple[Any, Any]]:  # type: ignore[override]
        return [(key, _built(value)) for key, value in dict.items(self)]

    def values(self) -> list[Any]:  # type: ignore[override]
        return [_built(value) for value in dict.values(self)]

    def __iter__(self) -> Any:
        return iter(dict.keys(self))
