"""YAML through PyYAML (imported on first use), safe by default.

MMEngine loads with PyYAML's full ``Loader``, which can build arbitrary Python
objects from tags; Treadle loads with the safe loader and dumps with the safe
dumper (so what it writes it can read back). Pass ``Loader=yaml.Loader`` or
``Dumper=yaml.Dumper`` to opt into the unsafe ones.
"""

from __future__ import annotations

from typing import IO, Any

from treadle.fileio.handlers.base import BaseFileHandler


def _yaml() -> Any:
    try:
        import yaml
    except ImportError as exc:
        raise ImportError(
            "reading or writing YAML needs PyYAML: pip install pyyaml (treadle-core "
            "depends on it; is this environment complete?)"
        ) from exc
    return yaml


class YamlHandler(BaseFileHandler):
    def load_from_fileobj(self, file: IO[Any], **kwargs: Any) -> Any:
        yaml = _yaml()
        kwargs.setdefault("Loader", getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        return yaml.load(file, **kwargs)

    def load_from_bytes(self, data: bytes, encoding: str = "utf-8", **kwargs: Any) -> Any:
        return self.load_from_fileobj(data.decode(encoding), **kwargs)

    def dump_to_fileobj(self, obj: Any, file: IO[Any], **kwargs: Any) -> None:
        yaml = _yaml()
        kwargs.setdefault("Dumper", getattr(yaml, "CSafeDumper", yaml.SafeDumper))
        yaml.dump(obj, file, **kwargs)

    def dump_to_str(self, obj: Any, **kwargs: Any) -> str:
        yaml = _yaml()
        kwargs.setdefault("Dumper", getattr(yaml, "CSafeDumper", yaml.SafeDumper))
        return yaml.dump(obj, **kwargs)

    def dump_to_bytes(self, obj: Any, encoding: str = "utf-8", **kwargs: Any) -> bytes:
        return self.dump_to_str(obj, **kwargs).encode(encoding)
