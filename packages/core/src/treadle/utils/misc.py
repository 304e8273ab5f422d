"""Type checks, element casts, list slicing and nested-container mapping.

MMEngine's small helpers (``mmengine.utils``), with the same names, arguments
and results; a wrong argument raises ``TypeError``/``ValueError`` naming it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain, repeat

TYPE_CHECKING = False  # typing stays out of the import path
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def is_str(x: Any) -> bool:
    """Whether ``x`` is a ``str`` (kept for code written for Python 2 and MMEngine)."""
    return isinstance(x, str)


def to_ntuple(n: int) -> Callable[[Any], Any]:
    """A function turning a scalar into an ``n``-tuple of it; iterables pass through as they are."""

    def convert(x: Any) -> Any:
        return x if isinstance(x, Iterable) else tuple(repeat(x, n))

    return convert


to_1tuple = to_ntuple(1)
to_2tuple = to_ntuple(2)
to_3tuple = to_ntuple(3)
to_4tuple = to_ntuple(4)


def iter_cast(inputs: Iterable, dst_type: type, return_type: type | None = None) -> Any:
    """Map ``dst_type`` over ``inputs``: an iterator, or a ``return_type`` built from it."""
    if not isinstance(inputs, Iterable):
        raise TypeError(f"inputs must be an iterable object, got {type(inputs).__name__}")
    if not isinstance(dst_type, type):
        raise TypeError(f'"dst_type" must be a type, got {dst_type!r}')
    cast = map(dst_type, inputs)
    return cast if return_type is None else return_type(cast)


def list_cast(inputs: Iterable, dst_type: type) -> list:
    """:func:`iter_cast` into a list."""
    return iter_cast(inputs, dst_type, return_type=list)


def tuple_cast(inputs: Iterable, dst_type: type) -> tuple:
    """:func:`iter_cast` into a tuple."""
    return iter_cast(inputs, dst_type, return_type=tuple)


def is_seq_of(
    seq: Any, expected_type: type | tuple[type, ...], seq_type: type | None = None
) -> bool:
    """Whether ``seq`` is a ``seq_type`` (any Sequence by default) whose items are all
    ``expected_type``."""
    if seq_type is None:
        seq_type = Sequence
    elif not isinstance(seq_type, type):
        raise TypeError(f"seq_type must be a type such as list or tuple, got {seq_type!r}")
    return isinstance(seq, seq_type) and all(isinstance(item, expected_type) for item in seq)


def is_list_of(seq: Any, expected_type: type | tuple[type, ...]) -> bool:
    """:func:`is_seq_of` with ``seq_type=list``."""
    return is_seq_of(seq, expected_type, seq_type=list)


def is_tuple_of(seq: Any, expected_type: type | tuple[type, ...]) -> bool:
    """:func:`is_seq_of` with ``seq_type=tuple``."""
    return is_seq_of(seq, expected_type, seq_type=tuple)


def slice_list(in_list: Sequence, lens: int | list[int]) -> list:
    """Cut ``in_list`` into consecutive pieces of the lengths in ``lens``.

    An int ``lens`` means equal pieces of that length, which must divide the list.
    """
    if isinstance(lens, int):
        if lens <= 0 or len(in_list) % lens:
            raise ValueError(
                f"cannot slice a list of length {len(in_list)} into pieces of length {lens}"
            )
        lens = [lens] * (len(in_list) // lens)
    if not isinstance(lens, list):
        raise TypeError(f'"lens" must be an integer or a list of integers, got {lens!r}')
    if sum(lens) != len(in_list):
        raise ValueError(
            f"sum of lens and list length does not match: {sum(lens)} != {len(in_list)}"
        )
    pieces = []
    start = 0
    for length in lens:
        pieces.append(in_list[start : start + length])
        start += length
    return pieces


def concat_list(in_list: Iterable[Iterable]) -> list:
    """Flatten one level: a list of lists into one list."""
    return list(chain.from_iterable(in_list))


def apply_to(data: Any, expr: Callable[[Any], bool], apply_func: Callable[[Any], Any]) -> Any:
    """Replace every leaf of nested dicts/lists/tuples for which ``expr`` holds by
    ``apply_func(leaf)``; containers keep their types (namedtuples included)."""
    if isinstance(data, dict):
        result = type(data)()
        for key, value in data.items():
            result[key] = apply_to(value, expr, apply_func)
        return result
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a namedtuple
        return type(data)(*(apply_to(item, expr, apply_func) for item in data))
    if isinstance(data, (tuple, list)):
        return type(data)(apply_to(item, expr, apply_func) for item in data)
    return apply_func(data) if expr(data) else data


def is_method_overridden(method: str, base_class: type, derived_class: type | Any) -> bool:
    """Whether ``derived_class`` (a class or an instance) replaces ``base_class.method``."""
    if not isinstance(base_class, type):
        raise TypeError(
            f"base_class must be a class, got an instance of {type(base_class).__name__}; "
            "pass the class instead"
        )
    if not isinstance(derived_class, type):
        derived_class = type(derived_class)
    return getattr(derived_class, method) != getattr(base_class, method)


def has_method(obj: object, method: str) -> bool:
    """Whether ``obj`` has a callable attribute called ``method``."""
    return callable(getattr(obj, method, None))
