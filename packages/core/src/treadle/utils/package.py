"""Installed packages and imports by name: is it there, where is it, import it, fetch an object.

Distributions are looked up with :mod:`importlib.metadata` (MMEngine used the
deprecated ``pkg_resources``, which recent setuptools no longer ships).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import os.path as osp
import warnings
from types import ModuleType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _find_spec(name: str) -> Any:
    """``importlib.util.find_spec(name)``, or None when ``name`` or a parent is not importable."""
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None


def _distribution(package: str) -> Any:
    from importlib import metadata

    try:
        return metadata.distribution(package)
    except metadata.PackageNotFoundError:
        return None


def is_installed(package: str) -> bool:
    """Whether ``package`` is an installed distribution (``'PyYAML'``) or an importable
    module that is not a namespace package (``'yaml'``)."""
    if _distribution(package) is not None:
        return True
    importlib.invalidate_caches()  # see packages installed since this process started
    spec = _find_spec(package)
    return spec is not None and spec.origin is not None


def _top_level_modules(dist: Any) -> list[str]:
    """Import names a distribution provides: its ``top_level.txt``, else the top of its
    file list, plus what the source directories its ``.pth`` files add (editable installs)."""
    text = dist.read_text("top_level.txt")
    if text:
        return [line.strip() for line in text.splitlines() if line.strip()]
    names: list[str] = []
    for file in dist.files or ():
        top = file.parts[0]
        if top.endswith(".pth") and len(file.parts) == 1:
            names += _modules_added_by_pth(dist.locate_file(file))
            continue
        if top.endswith((".dist-info", ".egg-info")) or top in ("..", "__pycache__"):
            continue
        names.append(top[:-3] if top.endswith(".py") and len(file.parts) == 1 else top)
    return list(dict.fromkeys(name for name in names if name.isidentifier()))


def _modules_added_by_pth(pth: Any) -> list[str]:
    """Top-level modules in the directories a ``.pth`` file puts on ``sys.path``."""
    names = []
    for line in pth.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "import ")) or not osp.isdir(line):
            continue
        for entry in sorted(os.scandir(line), key=lambda e: e.name):
            if entry.is_dir() and osp.isfile(osp.join(entry.path, "__init__.py")):
                names.append(entry.name)
            elif entry.is_file() and entry.name.endswith(".py"):
                names.append(entry.name[:-3])
    return names


def get_installed_path(package: str) -> str:
    """The directory ``package`` is imported from.

    ``package`` is a module name (``'yaml'``) or a distribution name whose
    top-level module is then used (``'PyYAML'`` -> ``.../site-packages/yaml``).
    """
    importlib.invalidate_caches()
    candidates = [package]
    dist = _distribution(package)
    if dist is not None:
        # private extension modules (PyYAML's ``_yaml``) after the public ones
        candidates += sorted(_top_level_modules(dist), key=lambda name: name.startswith("_"))
    for name in candidates:
        spec = _find_spec(name)
        if spec is None:
            continue
        if spec.origin is None:
            raise RuntimeError(
                f"{name} is a namespace package, which has no single installed path; "
                "pass one of its sub-packages instead"
            )
        return osp.dirname(spec.origin)
    if dist is not None:
        raise ModuleNotFoundError(
            f"distribution {package!r} is installed but none of its modules "
            f"({', '.join(candidates[1:]) or 'none listed'}) can be found; "
            "pass the name you import instead",
            name=package,
        )
    raise ModuleNotFoundError(
        f"{package!r} is neither an installed distribution nor an importable module; "
        f"install it (e.g. pip install {package}) or check the name",
        name=package,
    )


def import_modules_from_strings(
    imports: str | list[str] | None, allow_failed_imports: bool = False
) -> ModuleType | list[ModuleType | None] | None:
    """Import each module named in ``imports``; a single name returns a single module.

    With ``allow_failed_imports``, a module that fails to import warns and gives None.
    """
    if not imports:
        return None
    single = isinstance(imports, str)
    if single:
        imports = [imports]
    if not isinstance(imports, list):
        raise TypeError(
            f"imports must be a module name or a list of them, got {type(imports).__name__}: "
            f"{imports!r}"
        )
    modules: list[ModuleType | None] = []
    for name in imports:
        if not isinstance(name, str):
            raise TypeError(
                f"imports holds {name!r} ({type(name).__name__}); each entry must be a "
                "module name such as 'my_project.models'"
            )
        try:
            modules.append(importlib.import_module(name))
        except ImportError as exc:
            if not allow_failed_imports:
                raise ImportError(
                    f"Failed to import {name}: {exc}. Make sure it is installed or on "
                    "PYTHONPATH, or pass allow_failed_imports=True to skip it"
                ) from exc
            warnings.warn(f"skipping {name}: it did not import ({exc})", UserWarning, stacklevel=2)
            modules.append(None)
    return modules[0] if single else modules


def _import_if_present(name: str) -> ModuleType | None:
    """Import module ``name``; None if it (or a parent) does not exist. Errors raised
    while an existing module runs propagate."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            return None
        raise


def get_object_from_string(obj_name: str) -> Any:
    """The object a dotted path names (``'os.path.join'``, ``'torch.optim.SGD'``), or None
    if no such module or attribute exists.

    The longest importable module prefix is imported and the rest is read as
    attributes; where a module has a function and a submodule of the same name,
    the function wins.
    """
    if not isinstance(obj_name, str):
        raise TypeError(f"obj_name must be a dotted path str, got {obj_name!r}")
    parts = obj_name.split(".")
    module_name, rest = parts[0], parts[1:]
    while True:
        module = _import_if_present(module_name)
        if module is None:
            return None
        if not rest:
            return module
        attr = getattr(module, rest[0], None)
        if attr is not None and not isinstance(attr, ModuleType):
            break
        module_name = f"{module_name}.{rest.pop(0)}"
    obj: Any = module
    for part in rest:
        try:
            obj = getattr(obj, part)
        except AttributeError:
            return None
    return obj
