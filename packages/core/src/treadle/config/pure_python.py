"""MMEngine's pure-Python config style: ``with read_base():`` and lazy imports.

    from mmengine.config import read_base
    with read_base():
        from .._base_.default_runtime import *        # a base config, merged eagerly
    from torch.optim import SGD                        # not imported: a LazyObject
    optim_wrapper = dict(optimizer=dict(type=SGD, lr=0.01))

Base configs named in the ``with read_base():`` block are loaded (recursively, in
this style) and their names bound as the imports say; every other import of a
non-standard-library module becomes a :class:`~treadle.config.lazy.LazyObject`
assignment. Imported names are left out of ``to_dict()``, as in MMEngine.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import sys

from treadle.config import lazy, sources
from treadle.config.errors import BaseCycleError, ConfigParsingError, ConfigSyntaxError
from treadle.config.lazy import LazyConfigDict, LazyObject

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_CONFIG_MODULES = ("mmengine.config", "treadle.config")


def load_pure_python(path: str, text: str | None = None) -> tuple[LazyConfigDict, set[str]]:
    """The values of the pure-Python config at ``path`` (or ``text``) and the names it imported."""
    lazy.parsing = True
    try:
        return _parse(path, (), text)
    finally:
        lazy.parsing = False


def _is_plain_import(module: str) -> bool:
    """Imports of these run for real: the standard library and the config package itself."""
    if module.startswith("."):
        return False
    return module.startswith(_CONFIG_MODULES) or module.split(".")[0] in sys.stdlib_module_names


def _parse(
    path: str, stack: tuple[str, ...], text: str | None = None
) -> tuple[LazyConfigDict, set[str]]:
    if path in stack:
        raise BaseCycleError("cycle in `with read_base()` imports: " + " -> ".join((*stack, path)))
    if text is None:
        text = sources.read_text(path)
    try:
        tree = ast.parse(text, path)
    except SyntaxError as exc:
        raise ConfigSyntaxError(
            f"syntax error in config {path}:{exc.lineno}: {exc.msg}", path, exc.lineno
        ) from None
    base_dict: dict[str, Any] = {}
    imported: set[str] = set()
    for module in _base_modules(tree.body, path):
        base, base_imported = _parse(_module_path(module, path), (*stack, path))
        base_dict[module] = base
        imported |= base_imported
    namespace: dict[str, Any] = {"LazyObject": LazyObject, "__file__": path}
    transformer = _ImportTransformer(namespace, base_dict, path)
    tree = transformer.visit(tree)
    imported |= transformer.imported | _gather_plain_imports(tree, path)
    ast.fix_missing_locations(tree)
    exec(compile(tree, path, "exec"), namespace)
    values = {
        key: value
        for key, value in namespace.items()
        if not key.startswith("__") and key != "LazyObject"
    }
    return _to_config_dict(values), imported


def _to_config_dict(value: Any) -> Any:
    if isinstance(value, dict):
        converted = LazyConfigDict()
        for key, item in dict.items(value):
            converted[key] = _to_config_dict(item)
        return converted
    if type(value) in (list, tuple):
        return type(value)(_to_config_dict(item) for item in value)
    return value


def _base_modules(body: list[Any], path: str) -> list[str]:
    """Modules the first ``with read_base():`` block imports; the block is unwrapped."""
    for index, node in enumerate(body):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "_base_"
        ):
            raise ConfigParsingError(
                f"{path}:{node.lineno}: a config using `with read_base():` or lazy imports "
                f"cannot also use `_base_ = ...`; every file of one inheritance chain uses "
                f"one style"
            )
        if not isinstance(node, ast.With):
            continue
        expr = node.items[0].context_expr
        if (
            not isinstance(expr, ast.Call)
            or getattr(expr.func, "id", None) != "read_base"
            or len(node.items) > 1
        ):
            raise ConfigParsingError(
                f"{path}:{node.lineno}: only `with read_base():` may be used in a config"
            )
        modules = []
        for stmt in node.body:
            if not isinstance(stmt, ast.ImportFrom) or stmt.module is None:
                raise ConfigParsingError(
                    f"{path}:{stmt.lineno}: only `from <config module> import ...` lines may "
                    f"stand in `with read_base():`"
                )
            modules.append("." * stmt.level + stmt.module)
        body[index : index + 1] = node.body
        return modules
    return []


def _module_path(module: str, path: str) -> str:
    """The .py file of a base config module (relative, or inside an installed package)."""
    level = len(module) - len(module.lstrip("."))
    if level:
        parts = module[level:].split(".")
        found = os.path.join(os.path.dirname(path), *[".."] * (level - 1), *parts) + ".py"
    else:
        package, *rest = module.split(".")
        if not rest:
            raise ConfigParsingError(
                f"{path}: `with read_base(): from {module} import ...` names a package; name "
                f"the config module inside it, e.g. {module}.configs.default_runtime"
            )
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ConfigParsingError(
                f"{path}: base config package {package!r} is not installed (from `{module}`)"
            )
        found = os.path.join(next(iter(spec.submodule_search_locations)), *rest) + ".py"
    found = os.path.normpath(found)
    if not os.path.isfile(found):
        raise ConfigParsingError(
            f"{path}: base config module {module!r} resolves to {found}, which does not exist"
        )
    return found


def _lazy_assign(name: str, args: list[Any], node: Any) -> Any:
    call = ast.Call(
        func=ast.Name(id="LazyObject", ctx=ast.Load()),
        args=[ast.Constant(value=arg) if not isinstance(arg, list) else _list(arg) for arg in args],
        keywords=[],
    )
    assign = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=call)
    return ast.copy_location(assign, node)


def _list(items: list[str]) -> Any:
    return ast.List(elts=[ast.Constant(value=item) for item in items], ctx=ast.Load())


class _ImportTransformer(ast.NodeTransformer):
    """Bind base-config imports now; turn other non-stdlib imports into LazyObjects."""

    def __init__(self, namespace: dict[str, Any], base_dict: dict[str, Any], path: str) -> None:
        self.namespace = namespace
        self.base_dict = base_dict
        self.path = path
        self.imported: set[str] = set()

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        if node.module and node.module.startswith("mmengine.config"):
            # MMEngine configs import read_base from mmengine: Treadle provides it
            node.module = "treadle.config" + node.module[len("mmengine.config") :]
        module = f"{'.' * node.level}{node.module}"
        if module in self.base_dict:
            base = self.base_dict[module]
            for alias in node.names:
                if alias.name == "*":
                    self.namespace.update(dict.items(base))
                    return None
                self.namespace[alias.asname or alias.name] = dict.__getitem__(base, alias.name)
            return None
        if any(alias.name == "*" for alias in node.names):
            raise ConfigParsingError(
                f"{self.path}:{node.lineno}: `from {module} import *` is only allowed for base "
                f"configs inside `with read_base():`"
            )
        names = [alias.asname or alias.name for alias in node.names]
        self.imported.update(names)
        if _is_plain_import(module):
            return node
        location = f"{self.path}, line {node.lineno}"
        return [
            _lazy_assign(alias.asname or alias.name, [module, alias.name, location], node)
            for alias in node.names
        ]

    def visit_Import(self, node: ast.Import) -> Any:
        if len(node.names) != 1:
            raise ConfigParsingError(
                f"{self.path}:{node.lineno}: import one module per line in a config"
            )
        alias = node.names[0]
        if alias.asname is None:
            return node  # gathered by _gather_plain_imports
        self.imported.add(alias.asname)
        if _is_plain_import(alias.name):
            return node
        location = f"{self.path}, line {node.lineno}"
        return _lazy_assign(alias.asname, [alias.name, None, location], node)


def _gather_plain_imports(tree: ast.Module, path: str) -> set[str]:
    """``import a.b`` / ``import a`` at the top level: one LazyObject per top package."""
    grouped: dict[str, list[str]] = {}
    first: dict[str, Any] = {}
    body = []
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                names.add(top)
                if _is_plain_import(alias.name):
                    body.append(node)
                    continue
                grouped.setdefault(top, []).append(alias.name)
                first.setdefault(top, node)
            continue
        body.append(node)
    for top, modules in grouped.items():
        location = f"{path}, line {first[top].lineno}"
        body.insert(0, _lazy_assign(top, [modules, None, location], first[top]))
    tree.body = body
    return names
