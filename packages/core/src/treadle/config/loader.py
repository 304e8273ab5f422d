"""Loading a config file with its ``_base_`` chain into one dict, as MMEngine does.

For each file: substitute ``{{ }}`` variables (only if the text has ``{{``), find
its ``_base_`` entries, load each base (recursively, cycles reported with the
chain), refuse a top-level key defined by two sibling bases, stamp ``_scope_``
on what ``scope::`` bases bring, run/parse the file itself with ``_base_``
bound, then merge it over its bases. A :class:`Source` tree records which file
contributed what, for ``Config.where``.
"""

from __future__ import annotations

import os

from treadle.config import readers, sources, substitute
from treadle.config.config_dict import ConfigDict, deep_copy
from treadle.config.errors import (
    BaseCycleError,
    ConfigFileNotFoundError,
    ConfigParsingError,
    DuplicateBaseKeyError,
    UnsupportedFormatError,
)
from treadle.config.merge import merge_into, stamp_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

DEPRECATION_KEY = "_deprecation_"


class Source:
    """One loaded file: its text, the values it wrote itself, and its bases."""

    __slots__ = ("bases", "ext", "own", "path", "scope", "text")

    def __init__(
        self, path: str, ext: str, text: str, own: dict[str, Any], bases: list[Source]
    ) -> None:
        self.path = path
        self.ext = ext
        self.text = text
        self.own = own
        self.bases = bases
        self.scope: str | None = None


class Loaded:
    """The merged dict of a file and its bases, their texts and the env variables used."""

    __slots__ = ("cfg", "env", "imported", "source", "texts")

    def __init__(
        self, cfg: dict[str, Any], texts: list[str], env: dict[str, str], source: Source
    ) -> None:
        self.cfg = cfg
        self.texts = texts
        self.env = env
        self.source = source
        # names a pure-Python config imported (left out of to_dict); None for other configs
        self.imported: set[str] | None = None


class _Options:
    __slots__ = ("environment", "lazy_import", "predefined")

    def __init__(self, predefined: bool, environment: bool, lazy_import: bool | None) -> None:
        self.predefined = predefined
        self.environment = environment
        self.lazy_import = lazy_import


def load(
    filename: str,
    *,
    use_predefined_variables: bool = True,
    use_environment_variables: bool = True,
    lazy_import: bool | None = None,
    text: str | None = None,
) -> Loaded:
    """Load ``filename`` (a path, URI or ``scope::path``) with its bases.

    ``text``, if given, is used as the file's content (``Config.fromstring``).
    """
    options = _Options(use_predefined_variables, use_environment_variables, lazy_import)
    scope, rest = sources.split_scope(filename)
    path = sources.normalize(sources.scope_config_path(scope, rest) if scope else rest)
    if text is None and not sources.is_remote(path) and not os.path.isfile(path):
        shown = filename if filename == path else f"{filename!r} (resolved to {path})"
        raise ConfigFileNotFoundError(f"config file {shown} does not exist")
    if path.endswith(".py") and lazy_import is not False:
        raw = sources.read_text(path) if text is None else text
        if lazy_import or readers.is_lazy_import(raw, path):
            from treadle.config.pure_python import load_pure_python

            cfg, imported = load_pure_python(path, text)
            loaded = Loaded(cfg, [raw], {}, Source(path, ".py", raw, cfg, []))
            loaded.imported = imported
            return loaded
    loaded = _load(path, options, (), text)
    if scope:
        loaded.cfg = {key: stamp_scope(value, scope) for key, value in loaded.cfg.items()}
        loaded.source.scope = scope
    return loaded


def _base_entries(value: Any, path: str) -> list[str]:
    if value is None:
        return []
    entries = value if isinstance(value, list) else [value]
    for entry in entries:
        if not isinstance(entry, str):
            raise ConfigParsingError(
                f"{path}: `_base_` must be a path or a list of paths, got {value!r}"
            )
    return entries


def _load(path: str, options: _Options, stack: tuple[str, ...], text: str | None) -> Loaded:
    ext = os.path.splitext(path)[1]
    if ext not in readers.EXTS:
        raise UnsupportedFormatError(
            f"config file {path} has an unsupported extension {ext!r}: "
            f"use .py, .json, .yaml, .yml or .toml"
        )
    raw = sources.read_text(path) if text is None else text
    if ext == ".py" and options.lazy_import is None and readers.is_lazy_import(raw, path):
        raise ConfigParsingError(
            f"{path} is written in MMEngine's pure-Python style (`with read_base():` or "
            f"imports of non-standard-library modules) but is a `_base_` of an old-style "
            f"config: every file of one inheritance chain must use one style. Import it "
            f"with `with read_base():` instead, or pass lazy_import=False."
        )
    body = raw
    env_used: dict[str, str] = {}
    refs: set[str] = set()
    if "{{" in body:
        if options.predefined:
            body = substitute.predefined_variables(body, path)
        if options.environment:
            body, env_used = substitute.environment_variables(body, path)
        body, refs = substitute.base_references(body)

    if ext == ".py":
        code, base_value = readers.compile_python(body, path)
        data = None
    else:
        data = readers.parse_data(body, path, ext)
        base_value = data.pop(readers.BASE_KEY, None)

    base_cfg = ConfigDict()
    owners: dict[str, str] = {}
    texts: list[str] = []
    env: dict[str, str] = {}
    bases: list[Source] = []
    for entry in _base_entries(base_value, path):
        target, scope = _resolve_base(entry, path)
        if target == path or target in stack:
            chain = [*stack[stack.index(target) :], path, target] if target in stack else [path]
            raise BaseCycleError(
                "cycle in `_base_`: " + " -> ".join(chain) + ". Remove one of these entries."
            )
        if not sources.exists(target):
            raise ConfigFileNotFoundError(
                f"{path}: `_base_` entry {entry!r} resolves to {target}, which does not exist"
            )
        sub = _load(target, options, (*stack, path), None)
        clash = [key for key in sub.cfg if key in owners]
        if clash:
            first = next(b for b in bases if b.path == owners[clash[0]])
            raise DuplicateBaseKeyError(
                f"{path}: sibling bases both define "
                + ", ".join(
                    f"{key!r} ({_origin(first, key)} and {_origin(sub.source, key)})"
                    for key in clash
                )
                + ". A key may come from one base only: set it in one of them or in this file."
            )
        cfg = sub.cfg
        if scope:
            cfg = {key: stamp_scope(value, scope) for key, value in cfg.items()}
            sub.source.scope = scope
        for key, value in cfg.items():
            base_cfg[key] = value
            owners[key] = target
        texts.extend(sub.texts)
        env.update(sub.env)
        bases.append(sub.source)
    env.update(env_used)

    if data is None:
        own = readers.run_python(code, base_cfg, path)
        if body.count(readers.BASE_KEY) > (base_value is not None):
            # the code read `_base_`: copy what it kept, as MMEngine does, so later
            # changes to the merged bases do not leak into this file's values
            own = deep_copy(own)
    else:
        own = data
    if DEPRECATION_KEY in own:
        _warn_deprecated(path, own.pop(DEPRECATION_KEY))
    if refs:
        substitute.resolve_references(own, base_cfg, path)
    merged = merge_into(own, base_cfg)
    result = {key: value for key, value in dict.items(merged) if not key.startswith("__")}
    texts.append(f"{path}\n{raw}")
    # the substituted text keeps the lines and parses in every format: where() reads it
    return Loaded(result, texts, env, Source(path, ext, body, own, bases))


def _origin(source: Source, key: str) -> str:
    """``source``'s path, and the file of its chain that wrote ``key`` if another one."""
    queue = [source]
    for node in queue:
        if key in node.own:
            return source.path if node is source else f"{source.path}, from {node.path}"
        queue.extend(node.bases)
    return source.path


def _resolve_base(entry: str, path: str) -> tuple[str, str | None]:
    scope, rest = sources.split_scope(entry)
    if scope is None:
        return sources.join(path, entry), None
    from treadle.plugins import PluginError

    try:
        return sources.normalize(sources.scope_config_path(scope, rest)), scope
    except PluginError as exc:
        raise type(exc)(f"{path}: `_base_` entry {entry!r}: {exc}") from exc


def _warn_deprecated(path: str, info: Any) -> None:
    import warnings

    message = f"The config file {path} will be deprecated in the future."
    if isinstance(info, dict):
        if "expected" in info:
            message += f" Please use {info['expected']} instead."
        if "reference" in info:
            message += f" More information can be found at {info['reference']}"
    warnings.warn(message, DeprecationWarning, stacklevel=4)
