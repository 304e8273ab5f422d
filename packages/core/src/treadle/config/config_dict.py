"""``ConfigDict``: a ``dict`` whose keys also read and write as attributes.

Nested plain dicts (also inside lists and tuples) become ``ConfigDict`` when
stored, as in MMEngine; a ``ConfigDict`` that is stored is kept as it is (not
copied), so two keys may share one value exactly as they do in MMEngine.
Each ``ConfigDict`` remembers the dotted key path it was stored under, so a
missing attribute names the full path.
"""

from __future__ import annotations

from collections import OrderedDict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_PLAIN_DICTS = (dict, OrderedDict)


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def hook(value: Any, path: str = "", cls: type[ConfigDict] | None = None) -> Any:
    """``value`` with plain dicts (at any depth in lists/tuples) turned into ConfigDicts."""
    kind = type(value)
    if kind in _PLAIN_DICTS:
        return (cls or ConfigDict)(value, _path=path)
    if kind is list:
        return [hook(item, _join(path, i), cls) for i, item in enumerate(value)]
    if kind is tuple:
        return tuple(hook(item, _join(path, i), cls) for i, item in enumerate(value))
    return value


# LazyObject and LazyAttr (pure-Python configs) register here when treadle.config.lazy
# is imported; to_plain() writes them as dotted names, as MMEngine's to_dict does
LAZY_TYPES: tuple[type, ...] = ()


class ConfigDict(dict):
    """A dict for config values: ``cfg.model.depth`` is ``cfg['model']['depth']``."""

    __slots__ = ("__path",)

    def __init__(self, *args: Any, _path: str = "", **kwargs: Any) -> None:
        super().__init__()
        object.__setattr__(self, "_ConfigDict__path", _path)
        setitem = dict.__setitem__
        cls = type(self)
        for source in (*args, kwargs):
            if not source:
                continue
            items = dict.items(source) if isinstance(source, dict) else source
            for key, value in items:
                setitem(self, key, hook(value, _join(_path, key), cls))

    # attribute access ---------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(self._missing_message(name)) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(type(self), name):
            raise AttributeError(
                f"'ConfigDict' object attribute {name!r} is read-only: it is a method; "
                f"write the key as cfg[{name!r}] = ..."
            )
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(self._missing_message(name)) from None

    def _missing_message(self, name: str) -> str:
        import difflib

        path = _join(self.__path, name)
        message = f"'ConfigDict' object has no attribute {name!r}: config key {path!r} is not set"
        keys = [k for k in self if isinstance(k, str)]
        close = difflib.get_close_matches(name, keys, n=3)
        if close:
            message += "; did you mean " + " or ".join(repr(c) for c in close) + "?"
        elif keys:
            shown = ", ".join(repr(k) for k in keys[:12]) + (", ..." if len(keys) > 12 else "")
            message += f"; keys here: {shown}"
        return message

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *(k for k in self if isinstance(k, str))})

    # item access --------------------------------------------------------------------
    def __setitem__(self, key: Any, value: Any) -> None:
        dict.__setitem__(self, key, hook(value, _join(self.__path, key), type(self)))

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return dict.__getitem__(self, key)

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Update recursively: a dict value merges into a dict already stored (as MMEngine)."""
        if len(args) > 1:
            raise TypeError(f"update expected at most 1 positional argument, got {len(args)}")
        other: dict[Any, Any] = {}
        for source in (*args, kwargs):
            items = dict.items(source) if isinstance(source, dict) else source
            for key, value in items:
                other[key] = value
        for key, value in other.items():
            current = self.get(key)
            if isinstance(current, dict) and isinstance(value, dict):
                current.update(value)
            else:
                self[key] = value

    # copies, pickling, conversion ---------------------------------------------------
    @property
    def key_path(self) -> str:
        """The dotted key this dict was stored under ('' at the top)."""
        return self.__path

    def copy(self) -> ConfigDict:
        """A shallow copy, still a ConfigDict."""
        other = type(self)(_path=self.__path)
        for key, value in dict.items(self):
            dict.__setitem__(other, key, value)
        return other

    __copy__ = copy

    def __deepcopy__(self, memo: dict[int, Any]) -> ConfigDict:
        import copy

        other = type(self)(_path=self.__path)
        memo[id(self)] = other
        for key, value in dict.items(self):
            dict.__setitem__(other, copy.deepcopy(key, memo), copy.deepcopy(value, memo))
        return other

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), dict(self), self.__path))

    def to_dict(self) -> dict[Any, Any]:
        """A plain ``dict`` copy, recursively (lists and tuples are rebuilt too)."""
        return to_plain(self)

    def merge(self, other: dict[Any, Any]) -> None:
        """Merge ``other`` into this dict in place (``_delete_`` honoured, lists replaced)."""
        import copy

        merged = _merge_loose(copy.deepcopy(dict(other)), copy.deepcopy(dict(self)))
        self.clear()
        for key, value in merged.items():
            self[key] = value


def _merge_loose(new: Any, old: Any) -> Any:
    """``new`` over ``old``: dicts merge key by key (``_delete_`` drops ``old``), rest replaces."""
    if not isinstance(new, dict):
        return new
    if new.pop("_delete_", False) or not isinstance(old, dict):
        return {key: _merge_loose(value, None) for key, value in new.items()}
    merged = dict(old)
    for key, value in new.items():
        merged[key] = _merge_loose(value, old.get(key))
    return merged


def _rebuild(cls: type[ConfigDict], items: dict[Any, Any], path: str) -> ConfigDict:
    return cls(items, _path=path)


_ATOMS = (str, int, float, bool, type(None), bytes, complex, type)


def deep_copy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """``copy.deepcopy`` for config values, without importing ``copy`` for the usual ones.

    Dicts, lists and tuples are copied (shared ones stay shared within the copy);
    scalars are returned as they are; anything else goes to ``copy.deepcopy``.
    """
    if isinstance(value, _ATOMS):
        return value
    if memo is None:
        memo = {}
    found = memo.get(id(value))
    if found is not None:
        return found
    kind = type(value)
    if kind is ConfigDict or kind is dict:
        new: Any = ConfigDict(_path=value.key_path) if kind is ConfigDict else {}
        memo[id(value)] = new
        for key, item in dict.items(value):
            dict.__setitem__(new, key, deep_copy(item, memo))
    elif kind is list:
        new = []
        memo[id(value)] = new
        new.extend(deep_copy(item, memo) for item in value)
    elif kind is tuple:
        new = tuple(deep_copy(item, memo) for item in value)
        memo[id(value)] = new
    else:
        import copy

        new = copy.deepcopy(value)
        memo[id(value)] = new
    return new


def to_plain(value: Any) -> Any:
    """``value`` with every dict (ConfigDict or not) turned into a plain ``dict``."""
    if isinstance(value, dict):
        return {key: to_plain(item) for key, item in dict.items(value)}
    kind = type(value)
    if kind is list or kind is tuple:
        return kind(to_plain(item) for item in value)
    if LAZY_TYPES and isinstance(value, LAZY_TYPES):
        return f"{value.module}.{value}"
    return value
