"""Parsing one config file's text: Python (compiled and executed), JSON, YAML, TOML.

Python configs are compiled straight from the text (no temporary files); the
``_base_ = ...`` assignment is evaluated on its own and removed, and the code
runs with ``_base_`` bound to the merged bases, as in MMEngine. YAML and TOML
parsers are imported only when such a file is read.
"""

from __future__ import annotations

import _ast
import sys

from treadle.config.errors import ConfigParsingError, ConfigSyntaxError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import CodeType
    from typing import Any

BASE_KEY = "_base_"
PY_EXTS = (".py",)
DATA_EXTS = (".json", ".yaml", ".yml", ".toml")
EXTS = PY_EXTS + DATA_EXTS
# the syntax tree comes from compile() and the builtin _ast module: importing `ast`
# (and what it imports) would cost more than loading a config
_ONLY_AST = _ast.PyCF_ONLY_AST
_FUNCTION, _MODULE = type(lambda: 0), type(sys)


def _syntax_error(path: str, lineno: int | None, message: str) -> ConfigSyntaxError:
    where = f"{path}:{lineno}" if lineno else path
    return ConfigSyntaxError(f"syntax error in config {where}: {message}", path, lineno)


def _parse(text: str, path: str) -> Any:
    try:
        return compile(text, path, "exec", _ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        raise _syntax_error(path, exc.lineno, exc.msg) from None


_NESTED = ("body", "orelse", "finalbody", "handlers", "cases")


def _statements(tree: Any) -> Any:
    """Every statement (and the module), breadth first as ``ast.walk`` orders them.

    Assignments, imports and ``with`` blocks are statements, so expressions are not
    visited: that is most of the tree.
    """
    queue = [tree]
    for node in queue:
        yield node
        for field in _NESTED:
            children = getattr(node, field, None)
            if children:
                queue.extend(children)


# -- Python ---------------------------------------------------------------------------
def _is_base_assign(node: Any) -> bool:
    return (
        isinstance(node, _ast.Assign)
        and isinstance(node.targets[0], _ast.Name)
        and node.targets[0].id == BASE_KEY
    )


def compile_python(text: str, path: str) -> tuple[CodeType, Any]:
    """The code of a .py config and its ``_base_`` value (None if it has none)."""
    if BASE_KEY not in text:
        try:
            return compile(text, path, "exec", dont_inherit=True), None
        except SyntaxError as exc:
            raise _syntax_error(path, exc.lineno, exc.msg) from None
    tree = _parse(text, path)
    first = next((node for node in tree.body if _is_base_assign(node)), None)
    bases = None
    if first is not None:
        expr = _ast.Expression(body=first.value)
        try:
            bases = eval(compile(expr, path, "eval", dont_inherit=True), {})
        except Exception as exc:
            raise ConfigParsingError(
                f"{path}:{first.lineno}: `_base_` must be a literal path or list of paths "
                f"(it is read before the file runs): {type(exc).__name__}: {exc}"
            ) from exc
    # like MMEngine, every `_base_ = ...` is dropped so `_base_` stays the merged bases
    for node in _statements(tree):
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(node, field, None)
            if isinstance(stmts, list) and any(_is_base_assign(s) for s in stmts):
                kept = [s for s in stmts if not _is_base_assign(s)]
                if not kept:
                    dropped = stmts[0]
                    kept = [_ast.Pass(lineno=dropped.lineno, col_offset=dropped.col_offset)]
                setattr(node, field, kept)
    return compile(tree, path, "exec", dont_inherit=True), bases


def run_python(code: CodeType, base: dict[str, Any], path: str) -> dict[str, Any]:
    """Execute config code with ``_base_`` bound; its public top-level names."""
    namespace: dict[str, Any] = {BASE_KEY: base}
    try:
        exec(code, namespace)
    except Exception as exc:
        line = _failing_line(exc, path)
        if hasattr(exc, "add_note"):
            exc.add_note(f"while loading config {path}" + (f", line {line}" if line else ""))
        raise
    return {
        key: value
        for key, value in namespace.items()
        if key != BASE_KEY
        and not key.startswith("__")
        and not isinstance(value, (_FUNCTION, _MODULE))
    }


def _failing_line(exc: BaseException, path: str) -> int | None:
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == path:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _may_import(text: str) -> bool:
    """Cheap pre-check: does any line start with ``import``, ``from`` or ``with``?"""
    if "import" not in text and "with" not in text:
        return False
    return any(
        line.lstrip().startswith(("import ", "from ", "with ", "import\t", "with(")) or ";" in line
        for line in text.splitlines()
    )


def is_lazy_import(text: str, path: str) -> bool:
    """Whether a .py config is MMEngine's pure-Python style (``with read_base()``, imports).

    Mirrors MMEngine's test: the first of a ``_base_`` assignment (old style), a
    ``with`` block, a relative import or an import of a non-standard-library
    module, in breadth-first order, decides.
    """
    if not _may_import(text):
        return False
    for node in _statements(_parse(text, path)):
        if _is_base_assign(node):
            return False
        if isinstance(node, _ast.With):
            return True
        if isinstance(node, _ast.ImportFrom):
            if node.level:
                return True
            if node.module and not _is_stdlib(node.module):
                return True
        if isinstance(node, _ast.Import) and any(not _is_stdlib(a.name) for a in node.names):
            return True
    return False


_CONFIG_MODULES = ("mmengine.config", "treadle.config")


def _is_stdlib(module: str) -> bool:
    top = module.partition(".")[0]
    return top in sys.stdlib_module_names or module.startswith(_CONFIG_MODULES)


# -- data formats -----------------------------------------------------------------------
def parse_data(text: str, path: str, ext: str) -> dict[str, Any]:
    """The top-level mapping of a JSON, YAML or TOML config."""
    if ext == ".json":
        import json

        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _syntax_error(path, exc.lineno, exc.msg) from None
    elif ext == ".toml":
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - Python 3.10
            import tomli as tomllib
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            import re

            found = re.search(r"line (\d+)", str(exc))
            raise _syntax_error(path, int(found.group(1)) if found else None, str(exc)) from None
    else:
        import yaml

        from treadle.config.yaml_io import Loader

        try:
            data = yaml.load(text, Loader=Loader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            line = mark.line + 1 if mark is not None else None
            raise _syntax_error(path, line, str(exc).replace("\n", " ")) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigParsingError(
            f"{path}: a config must hold a mapping of names to values at the top, "
            f"got {type(data).__name__}"
        )
    return data
