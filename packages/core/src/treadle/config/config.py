"""``Config``: a loaded config file (or dict) with MMEngine's interface.

Attribute and item access go to the underlying :class:`ConfigDict`; the file
name, the source text and the environment variables used are kept beside it.
``Config`` is a :class:`collections.abc.Mapping`, so ``build_from_cfg`` and
``dict(cfg)`` accept it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from treadle.config.config_dict import ConfigDict
from treadle.config.errors import (
    CfgOptionsError,
    ConfigMergeError,
    ReservedKeyError,
    UnsupportedFormatError,
)

# the loader is imported here, not on the first fromfile: every user of Config loads files
from treadle.config.loader import load

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from treadle.config.provenance import Origin

RESERVED_KEYS = ("filename", "text", "pretty_text", "env_variables")
_INTERNAL = (
    "_cfg_dict",
    "_filename",
    "_text",
    "_env_variables",
    "_format_python_code",
    "_imported_names",
)


class Config(Mapping):
    """A config: ``cfg.model.depth``, ``cfg['model']['depth']``, ``cfg.dump('x.yaml')``.

    Args:
        cfg_dict: the values (nested dicts become :class:`ConfigDict`).
        cfg_text: the source text; read from ``filename`` when not given.
        filename: the file the config came from.
        env_variables: environment variables the file used.
        format_python_code: accepted for MMEngine compatibility (``pretty_text``
            is always formatted).
    """

    def __init__(
        self,
        cfg_dict: dict[str, Any] | None = None,
        cfg_text: str | None = None,
        filename: str | Path | None = None,
        env_variables: dict[str, str] | None = None,
        format_python_code: bool = True,
    ) -> None:
        filename = None if filename is None else str(filename)
        if cfg_dict is None:
            cfg_dict = {}
        elif not isinstance(cfg_dict, dict):
            raise TypeError(f"cfg_dict must be a dict, but got {type(cfg_dict)}")
        for key in cfg_dict:
            if key in RESERVED_KEYS:
                where = f" (in {filename})" if filename else ""
                raise ReservedKeyError(
                    f"{key!r} is reserved for config file{where}: Config.{key} is an "
                    f"attribute of the config itself. Rename the top-level key "
                    f"(reserved: {', '.join(RESERVED_KEYS)})."
                )
        if not isinstance(cfg_dict, ConfigDict):
            cfg_dict = ConfigDict(cfg_dict)
        if cfg_text:
            text = cfg_text
        elif filename and os.path.isfile(filename):
            with open(filename, encoding="utf-8") as f:
                text = f.read()
        else:
            text = ""
        setattr_ = object.__setattr__
        setattr_(self, "_cfg_dict", cfg_dict)
        setattr_(self, "_filename", filename)
        setattr_(self, "_text", text)
        setattr_(self, "_env_variables", dict(env_variables or {}))
        setattr_(self, "_format_python_code", format_python_code)
        setattr_(self, "_source", None)
        setattr_(self, "_applied_options", [])
        setattr_(self, "_imported_names", set())

    # construction -------------------------------------------------------------------
    @staticmethod
    def fromfile(
        filename: str | Path,
        use_predefined_variables: bool = True,
        import_custom_modules: bool = True,
        use_environment_variables: bool = True,
        lazy_import: bool | None = None,
        format_python_code: bool = True,
    ) -> Config:
        """Load a .py/.json/.yaml/.yml/.toml config with its ``_base_`` chain.

        ``filename`` may be a path, a URI (read through ``treadle.fileio``) or
        ``scope::path`` inside an installed plugin's config directory.
        ``lazy_import=False`` runs a .py config as plain Python even if it looks
        like MMEngine's pure-Python style, which Treadle does not load yet.
        """
        filename = str(filename)
        loaded = load(
            filename,
            use_predefined_variables=use_predefined_variables,
            use_environment_variables=use_environment_variables,
            lazy_import=lazy_import,
        )
        if loaded.imported is not None:  # a pure-Python config: no custom_imports, as MMEngine
            cfg = Config(loaded.cfg, filename=filename, format_python_code=format_python_code)
            object.__setattr__(cfg, "_imported_names", loaded.imported)
            object.__setattr__(cfg, "_source", loaded.source)
            return cfg
        if import_custom_modules and loaded.cfg.get("custom_imports"):
            from treadle.config.custom_imports import import_custom_modules as do_import

            do_import(loaded.cfg["custom_imports"], loaded.source.path)
        cfg = Config(
            loaded.cfg,
            cfg_text="\n".join(loaded.texts),
            filename=filename,
            env_variables=loaded.env,
            format_python_code=format_python_code,
        )
        object.__setattr__(cfg, "_source", loaded.source)
        return cfg

    @staticmethod
    def fromstring(cfg_str: str, file_format: str) -> Config:
        """A config from text in ``file_format`` ('.py', '.json', '.yaml', '.yml', '.toml').

        Relative ``_base_`` entries resolve against the current directory.
        """
        from treadle.config.readers import EXTS

        if file_format not in EXTS:
            raise UnsupportedFormatError(
                f"file_format must be one of {', '.join(EXTS)}, got {file_format!r}"
            )
        if file_format != ".py" and "dict(" in cfg_str:
            import warnings

            warnings.warn('Please check "file_format", the file format may be .py', stacklevel=2)
        virtual = os.path.join(os.getcwd(), f"<string>{file_format}")
        loaded = load(virtual, text=cfg_str)
        if loaded.imported is None and loaded.cfg.get("custom_imports"):
            from treadle.config.custom_imports import import_custom_modules

            import_custom_modules(loaded.cfg["custom_imports"], virtual)
        cfg = Config(loaded.cfg, cfg_text=cfg_str, env_variables=loaded.env)
        object.__setattr__(cfg, "_source", loaded.source)
        object.__setattr__(cfg, "_imported_names", loaded.imported or set())
        return cfg

    # mapping and attribute access -----------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in _INTERNAL:
            raise AttributeError(name)
        return getattr(self._cfg_dict, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, dict) and not isinstance(value, ConfigDict):
            value = ConfigDict(value, _path=name)
        setattr(self._cfg_dict, name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._cfg_dict, name)

    def __getitem__(self, name: Any) -> Any:
        return self._cfg_dict[name]

    def __setitem__(self, name: Any, value: Any) -> None:
        if isinstance(value, dict) and not isinstance(value, ConfigDict):
            value = ConfigDict(value, _path=str(name))
        self._cfg_dict[name] = value

    def __delitem__(self, name: Any) -> None:
        del self._cfg_dict[name]

    def __iter__(self) -> Any:
        return iter(self._cfg_dict)

    def __len__(self) -> int:
        return len(self._cfg_dict)

    def __contains__(self, name: object) -> bool:
        return name in self._cfg_dict

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Config):
            return self._cfg_dict == other._cfg_dict
        if isinstance(other, Mapping):
            return self._cfg_dict == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Config (path: {self.filename}): {self._cfg_dict!r}"

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *(k for k in self._cfg_dict if isinstance(k, str))})

    # copies and pickling ----------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)

    def __copy__(self) -> Config:
        other = Config.__new__(Config)
        other.__setstate__(self.__getstate__())
        object.__setattr__(other, "_cfg_dict", self._cfg_dict.copy())
        object.__setattr__(other, "_applied_options", list(self._applied_options))
        return other

    copy = __copy__

    def __deepcopy__(self, memo: dict[int, Any]) -> Config:
        import copy

        other = Config.__new__(Config)
        memo[id(self)] = other
        for key, value in self.__dict__.items():
            object.__setattr__(other, key, copy.deepcopy(value, memo))
        return other

    # properties ---------------------------------------------------------------------------
    @property
    def filename(self) -> str | None:
        """The file name the config was loaded from, as given."""
        return self._filename

    @property
    def text(self) -> str:
        """The source text: each file of the chain, bases first, headed by its path."""
        return self._text

    @property
    def env_variables(self) -> dict[str, str]:
        """Environment variables whose values ``{{$NAME:default}}`` took."""
        return self._env_variables

    @property
    def pretty_text(self) -> str:
        """The config as a readable .py file (config key order, wrapped at 100 columns)."""
        from treadle.config.writers import format_python

        return format_python(self.to_dict())

    # conversion, dumping, merging -----------------------------------------------------------
    def to_dict(self, keep_imported: bool = False) -> dict[str, Any]:
        """A plain ``dict`` copy of the values, recursively.

        Lazily imported objects of a pure-Python config are written as dotted names
        (``'torch.optim.SGD'``); the names it imported are left out unless
        ``keep_imported``.
        """
        plain = self._cfg_dict.to_dict()
        if self._imported_names and not keep_imported:
            plain = {k: v for k, v in plain.items() if k not in self._imported_names}
        return plain

    def dump(self, file: str | Path | None = None) -> str | None:
        """Write the config to ``file`` (.py, .json, .yaml, .yml), or return the text.

        A ``file`` with ``://`` is written through ``treadle.fileio``.

        With no ``file``, the text is in the format of :attr:`filename` (Python if
        there is none, or it is .py or .toml).
        """
        from treadle.config.writers import FORMATTERS

        if file is None:
            ext = os.path.splitext(self.filename or "")[1]
            return FORMATTERS.get(ext, FORMATTERS[".py"])(self.to_dict())
        file = str(file)
        ext = os.path.splitext(file)[1]
        if ext not in FORMATTERS:
            raise UnsupportedFormatError(
                f"cannot dump a config to {file}: use a .py, .json, .yaml or .yml file name"
            )
        text = FORMATTERS[ext](self.to_dict())
        if "://" in file:
            from treadle import fileio

            fileio.put_text(text, file)
            return None
        with open(file, "w", encoding="utf-8") as f:
            f.write(text)
        return None

    def merge_from_dict(self, options: dict[str, Any], allow_list_keys: bool = True) -> None:
        """Merge ``{'model.backbone.depth': 50, 'pipeline.1.scale': ...}`` into the config.

        Dotted keys walk into dicts; with ``allow_list_keys`` a digit walks into a
        list. Nothing is merged if any option fails; the error names that option.
        """
        from treadle.config.merge import merge_into, nest_options

        try:
            merged = merge_into(nest_options(options), self._cfg_dict, allow_list_keys)
        except ConfigMergeError:
            for key, value in options.items():
                try:
                    merge_into(nest_options({key: value}), self._cfg_dict, allow_list_keys)
                except ConfigMergeError as exc:
                    raise CfgOptionsError(
                        f"cannot apply option {key}={value!r}: {exc}. Nothing was merged."
                    ) from None
            raise
        object.__setattr__(self, "_cfg_dict", merged)
        self._applied_options.append(dict(options))

    @staticmethod
    def _merge_a_into_b(a: dict[Any, Any], b: Any, allow_list_keys: bool = False) -> Any:
        """MMEngine's name for :func:`treadle.config.merge.merge_into` (some code calls it)."""
        from treadle.config.merge import merge_into

        return merge_into(a, b, allow_list_keys)

    def where(self, key: str) -> Origin:
        """Which file (and line, for .py and YAML) or ``--cfg-options`` item set ``key``."""
        from treadle.config.provenance import where

        return where(self._cfg_dict, self._source, self._applied_options, key)

    @staticmethod
    def diff(cfg1: str | Config, cfg2: str | Config) -> str:
        """A unified diff of the two configs' ``pretty_text``."""
        import difflib

        first = Config.fromfile(cfg1) if isinstance(cfg1, str) else cfg1
        second = Config.fromfile(cfg2) if isinstance(cfg2, str) else cfg2
        lines = difflib.unified_diff(
            first.pretty_text.split("\n"), second.pretty_text.split("\n"), lineterm=""
        )
        return "\n".join(lines)
