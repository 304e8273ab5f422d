"""``BaseDataElement``: the container passed between dataset, model, evaluator and visualizer.

It holds two kinds of fields, both reachable as attributes: *metainfo* (facts
about the sample such as ``img_shape``, set through :meth:`set_metainfo`) and
*data* (annotations and predictions, set like ordinary attributes). Keeping the
two apart lets device moves and conversions touch only the data.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

_FIELD_SETS = ("_metainfo_fields", "_data_fields")


class BaseDataElement:
    """A bag of named metainfo and data fields with tensor-like conversions.

    Args:
        metainfo: metainfo fields (deep-copied), e.g. ``dict(img_shape=(H, W))``.
        **kwargs: data fields.
    """

    def __init__(self, *, metainfo: dict | None = None, **kwargs: Any) -> None:
        # dicts used as ordered sets: field order is insertion order
        self._metainfo_fields: dict[str, None] = {}
        self._data_fields: dict[str, None] = {}
        if metainfo is not None:
            self.set_metainfo(metainfo=metainfo)
        if kwargs:
            self.set_data(kwargs)

    # ------------------------------------------------------------ setting
    def set_metainfo(self, metainfo: dict) -> None:
        """Add or replace metainfo fields (values are deep-copied)."""
        if not isinstance(metainfo, dict):
            raise TypeError(f"metainfo must be a dict, got {type(metainfo).__name__}: {metainfo!r}")
        for key, value in copy.deepcopy(metainfo).items():
            self.set_field(name=key, value=value, field_type="metainfo", dtype=None)

    def set_data(self, data: dict) -> None:
        """Add or replace data fields, as ``setattr`` would (subclass checks apply)."""
        if not isinstance(data, dict):
            raise TypeError(f"data must be a dict, got {type(data).__name__}: {data!r}")
        for key, value in data.items():
            setattr(self, key, value)

    def update(self, instance: BaseDataElement) -> None:
        """Copy every metainfo and data field of ``instance`` into this element."""
        if not isinstance(instance, BaseDataElement):
            raise TypeError(f"update() needs a BaseDataElement, got {type(instance).__name__}")
        self.set_metainfo(dict(instance.metainfo_items()))
        self.set_data(dict(instance.items()))

    def set_field(
        self,
        value: Any,
        name: str,
        dtype: type | tuple[type, ...] | None = None,
        field_type: str = "data",
    ) -> None:
        """Set one field of kind ``field_type`` (``'metainfo'`` or ``'data'``).

        ``dtype`` restricts the accepted value types; subclasses use it in
        property setters (``self.set_field(v, '_gt_instances', dtype=InstanceData)``).
        """
        if field_type not in ("metainfo", "data"):
            raise ValueError(f"field_type must be 'metainfo' or 'data', got {field_type!r}")
        if dtype is not None and not isinstance(value, dtype):
            raise TypeError(
                f"field {name!r} of {type(self).__name__} must be a {dtype}, "
                f"got {type(value).__name__}: {value!r}"
            )
        own, other = (
            (self._metainfo_fields, self._data_fields)
            if field_type == "metainfo"
            else (self._data_fields, self._metainfo_fields)
        )
        if name in other:
            other_kind = "data" if field_type == "metainfo" else "metainfo"
            raise AttributeError(
                f"cannot set {name!r} as a {field_type} field of {type(self).__name__}: it is "
                f"already a {other_kind} field; pop it first or use another name"
            )
        attr = getattr(type(self), name, None)
        if isinstance(attr, property) and attr.fset is not None:
            object.__setattr__(self, name, value)  # runs the property's setter
        elif attr is not None or name in _FIELD_SETS:
            raise AttributeError(
                f"cannot set field {name!r} on {type(self).__name__}: the name is taken by "
                f"its attribute {type(self).__name__}.{name}; choose another field name"
            )
        else:
            object.__setattr__(self, name, value)
        own[name] = None

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FIELD_SETS:
            if name in self.__dict__:
                raise AttributeError(
                    f"{name} is a private attribute of {type(self).__name__} and cannot be replaced"
                )
            object.__setattr__(self, name, value)
            return
        self.set_field(name=name, value=value, field_type="data", dtype=None)

    def __delattr__(self, name: str) -> None:
        if name in _FIELD_SETS:
            raise AttributeError(
                f"{name} is a private attribute of {type(self).__name__} and cannot be deleted"
            )
        object.__delattr__(self, name)
        self._metainfo_fields.pop(name, None)
        self._data_fields.pop(name, None)

    __delitem__ = __delattr__

    # ------------------------------------------------------------ reading
    def get(self, key: str, default: Any = None) -> Any:
        """The field ``key``, or ``default`` when it is not set."""
        return getattr(self, key, default)

    def pop(self, *args: Any) -> Any:
        """Remove a field and return its value: ``pop(name[, default])``, like ``dict.pop``."""
        if not 1 <= len(args) <= 2:
            raise TypeError(f"pop expected 1 or 2 arguments, got {len(args)}")
        name = args[0]
        for fields in (self._metainfo_fields, self._data_fields):
            if name in fields:
                del fields[name]
                return self.__dict__.pop(name)
        if len(args) == 2:
            return args[1]
        raise KeyError(f"{name!r} is not a metainfo or data field of {type(self).__name__}")

    def __contains__(self, item: str) -> bool:
        return item in self._data_fields or item in self._metainfo_fields

    def keys(self) -> list[str]:
        """Names of the data fields (a property's private backing ``_name`` is hidden)."""
        backing = {
            "_" + key
            for key in self._data_fields
            if isinstance(getattr(type(self), key, None), property)
        }
        return [key for key in self._data_fields if key not in backing]

    def values(self) -> list[Any]:
        return [getattr(self, key) for key in self.keys()]

    def items(self) -> Iterator[tuple[str, Any]]:
        for key in self.keys():
            yield key, getattr(self, key)

    def metainfo_keys(self) -> list[str]:
        return list(self._metainfo_fields)

    def metainfo_values(self) -> list[Any]:
        return [getattr(self, key) for key in self._metainfo_fields]

    def metainfo_items(self) -> Iterator[tuple[str, Any]]:
        for key in self.metainfo_keys():
            yield key, getattr(self, key)

    def all_keys(self) -> list[str]:
        return self.metainfo_keys() + self.keys()

    def all_values(self) -> list[Any]:
        return self.metainfo_values() + self.values()

    def all_items(self) -> Iterator[tuple[str, Any]]:
        yield from self.metainfo_items()
        yield from self.items()

    @property
    def metainfo(self) -> dict:
        """A dict of the metainfo fields."""
        return dict(self.metainfo_items())

    # ------------------------------------------------------------ copies
    def new(self, *, metainfo: dict | None = None, **kwargs: Any) -> BaseDataElement:
        """A new element of the same class; fields not given are taken from this one.

        ``metainfo`` replaces all metainfo; any keyword replaces all data fields.
        """
        new_element = self.__class__()
        new_element.set_metainfo(dict(self.metainfo_items()) if metainfo is None else metainfo)
        new_element.set_data(kwargs if kwargs else dict(self.items()))
        return new_element

    def clone(self) -> BaseDataElement:
        """A deep copy: tensors are cloned, so editing the copy leaves this element alone."""
        cloned = self.__class__()
        cloned.set_metainfo(dict(self.metainfo_items()))
        cloned.set_data({key: _deep_copy(value) for key, value in self.items()})
        return cloned

    # ------------------------------------------------------------ conversions
    def _map_data(self, convert: Any) -> BaseDataElement:
        new_element = self.new()
        new_element.set_data({key: convert(value) for key, value in self.items()})
        return new_element

    def to(self, *args: Any, **kwargs: Any) -> BaseDataElement:
        """Apply ``value.to(*args, **kwargs)`` to every data field that has ``to``."""
        return self._map_data(lambda v: v.to(*args, **kwargs) if hasattr(v, "to") else v)

    def cpu(self) -> BaseDataElement:
        """Move tensor data (and nested elements) to the CPU."""
        return self._map_data(lambda v: v.cpu() if _is_tensor_like(v) else v)

    def cuda(self) -> BaseDataElement:
        """Move tensor data (and nested elements) to the current CUDA device."""
        return self._map_data(lambda v: v.cuda() if _is_tensor_like(v) else v)

    def detach(self) -> BaseDataElement:
        """Detach tensor data (and nested elements) from the autograd graph."""
        return self._map_data(lambda v: v.detach() if _is_tensor_like(v) else v)

    def numpy(self) -> BaseDataElement:
        """Turn tensor data into numpy arrays (detached, on the CPU)."""

        def convert(v: Any) -> Any:
            if isinstance(v, torch.Tensor):
                return v.detach().cpu().numpy()
            return v.numpy() if isinstance(v, BaseDataElement) else v

        return self._map_data(convert)

    def to_tensor(self) -> BaseDataElement:
        """Turn numpy array data into tensors."""

        def convert(v: Any) -> Any:
            if isinstance(v, np.ndarray):
                return torch.from_numpy(v)
            return v.to_tensor() if isinstance(v, BaseDataElement) else v

        return self._map_data(convert)

    def to_dict(self) -> dict:
        """All fields as a plain dict, nested elements converted too."""
        return {
            key: value.to_dict() if isinstance(value, BaseDataElement) else value
            for key, value in self.all_items()
        }

    # ------------------------------------------------------------ display
    def __repr__(self) -> str:
        return _format_element(self)


def _is_tensor_like(value: Any) -> bool:
    return isinstance(value, (torch.Tensor, BaseDataElement))


def _deep_copy(value: Any) -> Any:
    if isinstance(value, (torch.Tensor, BaseDataElement)):
        return value.clone()
    return copy.deepcopy(value)


def _indent(text: str, spaces: int) -> str:
    """Indent every line of ``text`` but the first."""
    return text.replace("\n", "\n" + " " * spaces)


def _format_fields(fields: dict) -> str:
    return "".join(f"\n{key}: {_indent(_format_value(value), 4)}" for key, value in fields.items())


def _format_value(value: Any) -> str:
    if isinstance(value, BaseDataElement):
        return _format_element(value)
    if isinstance(value, dict):
        return _format_fields(value)
    return repr(value)


def _format_element(element: BaseDataElement) -> str:
    meta = _indent(_format_fields(element.metainfo), 4)
    data = _indent(_format_fields(dict(element.items())), 4)
    body = f"\n\n    META INFORMATION{meta}\n\n    DATA FIELDS{data}"
    return f"<{type(element).__name__}({body}\n) at {hex(id(element))}>"
