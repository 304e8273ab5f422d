"""``BaseFileHandler``: how one file format is read from and written to objects."""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from typing import IO, Any

from treadle.fileio.backends.base import PathLike


class BaseFileHandler(ABC):
    """Reads and writes one file format.

    ``str_like`` says whether the format is text (file objects opened in text
    mode) or binary (``str_like = False``). Subclasses implement the three
    abstract methods; ``load_from_bytes``/``dump_to_bytes`` are what ``load``
    and ``dump`` use with storage backends and may be overridden for speed.
    """

    str_like = True

    @abstractmethod
    def load_from_fileobj(self, file: IO[Any], **kwargs: Any) -> Any: ...

    @abstractmethod
    def dump_to_fileobj(self, obj: Any, file: IO[Any], **kwargs: Any) -> None: ...

    @abstractmethod
    def dump_to_str(self, obj: Any, **kwargs: Any) -> str | bytes: ...

    def load_from_path(self, filepath: PathLike, mode: str = "r", **kwargs: Any) -> Any:
        with open(filepath, mode) as f:
            return self.load_from_fileobj(f, **kwargs)

    def dump_to_path(self, obj: Any, filepath: PathLike, mode: str = "w", **kwargs: Any) -> None:
        with open(filepath, mode) as f:
            self.dump_to_fileobj(obj, f, **kwargs)

    def load_from_bytes(self, data: bytes, encoding: str = "utf-8", **kwargs: Any) -> Any:
        """Parse the whole content of a file."""
        if self.str_like:  # as if the file were opened in text mode (universal newlines)
            return self.load_from_fileobj(io.TextIOWrapper(io.BytesIO(data), encoding), **kwargs)
        return self.load_from_fileobj(io.BytesIO(data), **kwargs)

    def dump_to_bytes(self, obj: Any, encoding: str = "utf-8", **kwargs: Any) -> bytes:
        """The whole content of a file holding ``obj``."""
        if self.str_like:
            buf = io.StringIO()
            self.dump_to_fileobj(obj, buf, **kwargs)
            return buf.getvalue().encode(encoding)
        raw = io.BytesIO()
        self.dump_to_fileobj(obj, raw, **kwargs)
        return raw.getvalue()
