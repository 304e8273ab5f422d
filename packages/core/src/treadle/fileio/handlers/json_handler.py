"""JSON: numpy scalars/arrays and sets serialise; orjson, when installed, speeds up loads."""

from __future__ import annotations

import functools
import json
from types import ModuleType
from typing import IO, Any

from treadle.fileio.handlers.base import BaseFileHandler


def _default(obj: Any) -> Any:
    """``json`` ``default=`` hook: sets -> lists, numpy values -> Python values.

    numpy is recognised by module name so that it is never imported here.
    """
    if isinstance(obj, set | frozenset):
        return list(obj)
    if type(obj).__module__ == "numpy" and hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(
        f"Object of type {type(obj).__name__} is not JSON serializable; convert it to "
        f"dict/list/str/number first, or pass default= to dump()"
    )


@functools.cache
def _orjson() -> ModuleType | None:
    try:
        import orjson
    except ImportError:
        return None
    return orjson


class JsonHandler(BaseFileHandler):
    def load_from_fileobj(self, file: IO[Any], **kwargs: Any) -> Any:
        return json.load(file, **kwargs)

    def load_from_bytes(self, data: bytes, encoding: str = "utf-8", **kwargs: Any) -> Any:
        fast = _orjson()
        if fast is not None and not kwargs and encoding.lower().replace("-", "") == "utf8":
            try:
                return fast.loads(data)
            except fast.JSONDecodeError:
                pass  # NaN, huge ints, odd escapes: the stdlib parser decides
        return json.loads(data.decode(encoding), **kwargs)

    def dump_to_fileobj(self, obj: Any, file: IO[Any], **kwargs: Any) -> None:
        kwargs.setdefault("default", _default)
        json.dump(obj, file, **kwargs)

    def dump_to_str(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("default", _default)
        return json.dumps(obj, **kwargs)

    def dump_to_bytes(self, obj: Any, encoding: str = "utf-8", **kwargs: Any) -> bytes:
        # one-shot C encoder; json.dump() to a file object takes the pure-Python path
        return self.dump_to_str(obj, **kwargs).encode(encoding)
