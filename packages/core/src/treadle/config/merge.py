"""Merging a child's values into its base's, as MMEngine does.

Dicts merge key by key, recursively; ``_delete_=True`` in a child dict drops the
base dict instead; everything else (lists included) replaces the base value.
The merge never changes ``base``: changed levels are copied.
"""

from __future__ import annotations

from treadle.config.config_dict import ConfigDict
from treadle.config.errors import ConfigMergeError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DELETE_KEY = "_delete_"


def merge_into(child: dict[Any, Any], base: Any, allow_list_keys: bool = False) -> Any:
    """``base`` (a copy) with ``child`` merged in; digit keys index lists if allowed."""
    merged = base.copy()
    for key, value in child.items():
        if allow_list_keys and isinstance(merged, list) and isinstance(key, str) and key.isdigit():
            index = int(key)
            if index >= len(merged):
                raise ConfigMergeError(
                    f"index {index} is out of range for a list of {len(merged)} items: {merged!r}"
                )
            merged[index] = merge_into(value, merged[index], allow_list_keys)
        elif isinstance(value, dict):
            # MMEngine pops _delete_ only when the key exists in the base
            if key in merged and not value.pop(DELETE_KEY, False):
                current = merged[key]
                if not isinstance(current, (dict, list) if allow_list_keys else dict):
                    raise ConfigMergeError(
                        f"{key}={value!r} in the child config cannot be merged into the base "
                        f"value {current!r} ({type(current).__name__}): only a dict merges "
                        f"into a dict. Add `{DELETE_KEY}=True` to the child dict to replace "
                        f"the base value instead."
                    )
                merged[key] = merge_into(value, current, allow_list_keys)
            else:
                parent = getattr(merged, "key_path", "")
                merged[key] = ConfigDict(value, _path=f"{parent}.{key}" if parent else str(key))
        else:
            merged[key] = value
    return merged


def nest_options(options: dict[str, Any]) -> dict[str, Any]:
    """``{'a.b.c': 1}`` -> ``{'a': {'b': {'c': 1}}}`` (dotted keys to nested ConfigDicts)."""
    nested: dict[str, Any] = {}
    for dotted, value in options.items():
        node = nested
        *parents, last = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, ConfigDict())
        node[last] = value
    return nested


def stamp_scope(value: Any, scope: str, open_: bool = True) -> Any:
    """A copy of ``value`` whose outermost dicts with a ``type`` get ``_scope_ = scope``.

    As in MMEngine, only the first dict with ``type`` on each path is stamped (what
    it builds inherits the scope), and an existing non-None ``_scope_`` is kept.
    """
    kind = type(value)
    if isinstance(value, dict):
        stamped = ConfigDict(_path=getattr(value, "key_path", ""))
        here = open_ and "type" in value
        for key, item in dict.items(value):
            dict.__setitem__(stamped, key, stamp_scope(item, scope, open_ and not here))
        if here and stamped.get("_scope_") is None:
            stamped["_scope_"] = scope
        return stamped
    if kind is list or kind is tuple:
        return kind(stamp_scope(item, scope, open_) for item in value)
    return value
