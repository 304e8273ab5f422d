"""Pickle (binary). Loading a pickle runs code: load only files you trust."""

from __future__ import annotations

import pickle
from typing import IO, Any

from treadle.fileio.backends.base import PathLike
from treadle.fileio.handlers.base import BaseFileHandler


class PickleHandler(BaseFileHandler):
    str_like = False

    def load_from_fileobj(self, file: IO[bytes], **kwargs: Any) -> Any:
        return pickle.load(file, **kwargs)

    def load_from_bytes(self, data: bytes, encoding: str = "utf-8", **kwargs: Any) -> Any:
        return pickle.loads(data, **kwargs)

    def load_from_path(self, filepath: PathLike, mode: str = "rb", **kwargs: Any) -> Any:
        return super().load_from_path(filepath, mode=mode, **kwargs)

    def dump_to_str(self, obj: Any, **kwargs: Any) -> bytes:
        kwargs.setdefault("protocol", 2)  # MMEngine's default, readable by old Pythons
        return pickle.dumps(obj, **kwargs)

    def dump_to_bytes(self, obj: Any, encoding: str = "utf-8", **kwargs: Any) -> bytes:
        return self.dump_to_str(obj, **kwargs)

    def dump_to_fileobj(self, obj: Any, file: IO[bytes], **kwargs: Any) -> None:
        kwargs.setdefault("protocol", 2)
        pickle.dump(obj, file, **kwargs)

    def dump_to_path(self, obj: Any, filepath: PathLike, mode: str = "wb", **kwargs: Any) -> None:
        super().dump_to_path(obj, filepath, mode=mode, **kwargs)
