"""``Registry``: a scoped name -> class/function table that builds objects from cfgs.

Registries form trees. The root of each tree lives in the core (scope ``core``);
plugins hang children with their own scope under it. A key ``'X'`` is looked up
in the starting registry and then its ancestors; ``'scope.X'`` jumps to the
registry of that scope anywhere in the tree (parent, child or sibling). Scopes
that belong to installed plugins are loaded the first time they are named.
"""

from __future__ import annotations

import importlib
import sys
from types import FunctionType

from treadle.registry.default_scope import DefaultScope
from treadle.registry.errors import RegistryError, UnknownTypeError

TYPE_CHECKING = False  # typing/collections are not imported at runtime: import cost
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    BuildFunc = Callable[..., Any]


def _describe(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


class Registry:
    """Map names to classes or functions and build them from config dicts.

    Args:
        name: what the registry holds (``'model'``, ``'hook'`` ...).
        build_func: ``f(cfg, *args, registry=..., **kwargs)``; defaults to the
            parent's, else :func:`treadle.registry.build_from_cfg`.
        parent: the registry this one falls back to.
        scope: this registry's scope; inferred from the creating package if None.
        locations: modules imported on first lookup so their registrations exist.
    """

    def __init__(
        self,
        name: str,
        build_func: BuildFunc | None = None,
        parent: Registry | None = None,
        scope: str | None = None,
        locations: list[str] | tuple[str, ...] = (),
    ) -> None:
        from treadle.registry.build import build_from_cfg

        self._name = name
        self._module_dict: dict[str, Any] = {}
        self._children: dict[str, Registry] = {}
        self._scope = scope if scope is not None else self.infer_scope()
        self._pending_locations: list[tuple[str, str | None]] = []
        self._imported_locations: list[str] = []
        self._origins: dict[str, str] = {}  # name -> plugin scope that registered it
        self._scope_cache: dict[str, Registry | None] = {}
        self.parent: Registry | None = None
        if parent is not None:
            if not isinstance(parent, Registry):
                raise TypeError(f"parent must be a Registry, got {type(parent).__name__}")
            parent._add_child(self)
            self.parent = parent
        if build_func is None:
            build_func = parent.build_func if parent is not None else build_from_cfg
        self.build_func: BuildFunc = build_func
        self.add_locations(locations)

    # ------------------------------------------------------------------ tree
    @staticmethod
    def infer_scope() -> str:
        """The top-level package of the module that called ``Registry(...)``: a registry made
        in ``acme/registry.py`` gets scope ``'acme'`` (as MMEngine infers it)."""
        module = sys._getframe(2).f_globals.get("__name__", "__main__")
        return module.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self._name

    @property
    def scope(self) -> str:
        return self._scope

    @property
    def module_dict(self) -> dict[str, Any]:
        return self._module_dict

    @property
    def children(self) -> dict[str, Registry]:
        return self._children

    @property
    def root(self) -> Registry:
        registry = self
        while registry.parent is not None:
            registry = registry.parent
        return registry

    @property
    def locations(self) -> list[str]:
        return [*self._imported_locations, *(m for m, _ in self._pending_locations)]

    def _add_child(self, child: Registry) -> None:
        if child.scope in self._children:
            raise KeyError(
                f"registry {self._name!r} (scope {self._scope!r}) already has a child with "
                f"scope {child.scope!r}; use {self._name}.child({child.scope!r}) to reach it"
            )
        self._children[child.scope] = child
        self.root._scope_cache.clear()

    def child(self, scope: str) -> Registry:
        """Return this registry's child for ``scope``, creating it if needed.

        Plugins reach their registries this way (``MODELS.child('vision')``), so
        whether the plugin code or the core's plugin loader runs first does not matter.
        """
        existing = self._children.get(scope)
        if existing is not None:
            return existing
        return Registry(self._name, parent=self, scope=scope)

    def add_locations(
        self, modules: list[str] | tuple[str, ...], origin: str | None = None
    ) -> None:
        """Queue modules to import before the next lookup (``origin``: plugin scope)."""
        for module in modules:
            if module not in self.locations:
                self._pending_locations.append((module, origin))

    def import_from_location(self) -> None:
        """Import the queued location modules (once each)."""
        while self._pending_locations:
            module, origin = self._pending_locations.pop(0)
            before = set(self._module_dict)
            try:
                importlib.import_module(module)
            except Exception as exc:
                if origin is not None:
                    from treadle.plugins.loader import location_failed

                    location_failed(origin, module, exc)
                    if origin != self._scope:
                        continue  # registering into a root registry: contain the fault
                self._pending_locations.insert(0, (module, origin))
                owner = f"plugin scope {origin!r}" if origin else f"scope {self._scope!r}"
                raise ImportError(
                    f"registry {self._name!r} could not import its location {module!r} "
                    f"(declared by {owner}): {type(exc).__name__}: {exc}"
                ) from exc
            self._imported_locations.append(module)
            if origin is not None:
                for name in self._module_dict.keys() - before:
                    self._origins[name] = origin

    def registered_by(self, origin: str) -> list[str]:
        """Names registered here by the locations of plugin scope ``origin``."""
        self.import_from_location()
        return sorted(name for name, owner in self._origins.items() if owner == origin)

    def _find_scope(self, scope: str) -> Registry | None:
        """The registry of ``scope`` in this tree, loading that plugin if needed."""
        root = self.root
        try:
            return root._scope_cache[scope]
        except KeyError:
            pass
        found = root._search_child(scope)
        if found is None:
            from treadle.plugins import load_scope

            if load_scope(scope) is not None:
                found = root._search_child(scope)
                if found is None:  # the plugin declares nothing for this registry
                    found = root.child(scope)
        root._scope_cache[scope] = found
        return found

    def _search_child(self, scope: str) -> Registry | None:
        if self._scope == scope:
            return self
        for child in self._children.values():
            found = child._search_child(scope)
            if found is not None:
                return found
        return None

    @staticmethod
    def split_scope_key(key: str) -> tuple[str | None, str]:
        """``'vision.ResNet'`` -> ``('vision', 'ResNet')``; ``'ResNet'`` -> ``(None, 'ResNet')``."""
        scope, dot, name = key.partition(".")
        if dot:
            return scope, name
        return None, key

    # --------------------------------------------------------------- lookup
    def _lookup_upwards(self, name: str) -> Any:
        registry: Registry | None = self
        while registry is not None:
            if registry._pending_locations:
                registry.import_from_location()
            obj = registry._module_dict.get(name)
            if obj is not None:
                return obj
            registry = registry.parent
        return None

    def get(self, key: str) -> Any:
        """Return the class or function registered as ``key``, or None.

        ``key`` may carry a scope (``'vision.ResNet'``). A dotted path that names
        no scope (``'torch.nn.ReLU'``) is imported as a last resort, as MMEngine does.
        """
        if not isinstance(key, str):
            raise TypeError(f"registry keys are str, got {type(key).__name__}: {key!r}")
        obj = self._module_dict.get(key)
        if obj is not None and not self._pending_locations:
            return obj
        scope, name = self.split_scope_key(key)
        if scope is None or scope == self._scope:
            obj = self._lookup_upwards(name)
            if obj is None and scope is None:
                from treadle.plugins import load_all

                if load_all():  # something new was loaded: it may register into our tree
                    obj = self._lookup_upwards(name)
            return obj
        target = self._find_scope(scope)
        if target is not None:
            return target._lookup_upwards(name)
        return _import_dotted(key)

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __len__(self) -> int:
        return len(self._module_dict)

    def __repr__(self) -> str:
        rows = [(name, _describe(obj)) for name, obj in sorted(self._module_dict.items())]
        width = max([4, *(len(n) for n, _ in rows)])
        lines = [
            f"Registry(name={self._name!r}, scope={self._scope!r}, items={len(rows)}, "
            f"children={sorted(self._children)})"
        ]
        lines += [f"  {name:<{width}}  {where}" for name, where in rows]
        return "\n".join(lines)

    # --------------------------------------------------------------- scopes
    def _registry_for(self, scope_name: str | None) -> Registry:
        if scope_name is None or scope_name == self._scope:
            return self
        found = self._find_scope(scope_name)
        return self if found is None else found

    def switch_scope_and_registry(self, scope: str | None) -> _ScopeSwitch:
        """A context manager making ``scope`` the default scope; it yields the registry
        to build from.

        With ``scope=None`` the current :class:`DefaultScope` decides; a scope with
        no registry in this tree leaves this registry in charge.
        """
        return _ScopeSwitch(self, scope)

    # ---------------------------------------------------------------- build
    def build(self, cfg: Any, *args: Any, **kwargs: Any) -> Any:
        """Build an object from ``cfg`` with this registry's build function."""
        return self.build_func(cfg, *args, **kwargs, registry=self)

    # ------------------------------------------------------------- register
    def register_module(
        self,
        name: str | list[str] | None = None,
        force: bool = False,
        module: Any = None,
    ) -> Any:
        """Register a class or function, as a decorator or a direct call.

        ``@REG.register_module()``, ``@REG.register_module(name=['A', 'B'])`` or
        ``REG.register_module(module=Cls)``. A name taken by another object is an
        error unless ``force=True``.
        """
        if not isinstance(force, bool):
            raise TypeError(f"force must be a bool, got {type(force).__name__}: {force!r}")
        if not (
            name is None
            or isinstance(name, str)
            or (isinstance(name, list) and all(isinstance(n, str) for n in name))
        ):
            raise TypeError(f"name must be None, a str or a list of str, got {name!r}")
        if module is not None:
            self._register(module, name, force)
            return module

        def decorator(obj: Any) -> Any:
            self._register(obj, name, force)
            return obj

        return decorator

    def _register(self, module: Any, name: str | list[str] | None, force: bool) -> None:
        if not isinstance(module, (type, FunctionType)):
            raise TypeError(
                f"only classes and functions can be registered in {self._name!r}, "
                f"got {type(module).__name__}: {module!r}"
            )
        names = [module.__name__] if name is None else [name] if isinstance(name, str) else name
        for key in names:
            existing = self._module_dict.get(key)
            if existing is not None and existing is not module and not force:
                raise RegistryError(
                    f"{key!r} is already registered in registry {self._name!r} "
                    f"(scope {self._scope!r}) as {_describe(existing)}; refusing to "
                    f"register {_describe(module)} under the same name. Pick another "
                    f"name or pass force=True to replace it."
                )
            self._module_dict[key] = module

    # ---------------------------------------------------------------- errors
    def unknown_type_error(self, key: str) -> UnknownTypeError:
        """An error for a failed lookup: scopes searched and close matches."""
        from treadle.plugins import installed_scopes, load_all

        load_all()
        scope, name = self.split_scope_key(key)
        start = self if scope is None else self._find_scope(scope) or self
        chain: list[Registry] = []
        registry: Registry | None = start
        while registry is not None:
            chain.append(registry)
            registry = registry.parent
        candidates: dict[str, str] = {}
        for registry in _walk(self.root):
            for registered in registry.module_dict:
                reachable = any(registry is r for r in chain)
                qualified = registered if reachable else f"{registry.scope}.{registered}"
                candidates.setdefault(registered, qualified)
                candidates.setdefault(qualified, qualified)
        import difflib

        matches = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)
        matches += difflib.get_close_matches(key, list(candidates), n=3, cutoff=0.6)
        suggestions = list(dict.fromkeys(candidates[m] for m in matches))
        message = f"{key!r} is not registered in registry {self._name!r}. "
        if scope is not None and self._find_scope(scope) is None:
            message += f"No installed plugin or registry provides scope {scope!r}. "
        message += f"Scopes searched: {' -> '.join(r.scope for r in chain)}."
        if suggestions:
            message += " Did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
        scopes = installed_scopes()
        message += f" Installed plugin scopes: {', '.join(scopes) if scopes else 'none'}."
        if not suggestions:
            message += (
                " If the class is defined in your own module, import that module or list "
                "it in the config's custom_imports."
            )
        return UnknownTypeError(message)


class _ScopeSwitch:
    """``with registry.switch_scope_and_registry(scope) as reg:`` (no contextlib import)."""

    __slots__ = ("_overwrite", "_registry")

    def __init__(self, registry: Registry, scope: str | None) -> None:
        self._registry = registry
        self._overwrite = DefaultScope.overwrite_default_scope(scope)

    def __enter__(self) -> Registry:
        self._overwrite.__enter__()
        return self._registry._registry_for(DefaultScope.current_scope_name())

    def __exit__(self, *exc_info: object) -> None:
        self._overwrite.__exit__(*exc_info)


def _walk(registry: Registry) -> Iterator[Registry]:
    if registry._pending_locations:
        registry.import_from_location()
    yield registry
    for child in registry.children.values():
        yield from _walk(child)


def _import_dotted(key: str) -> Any:
    """Resolve ``'package.module.Name'`` by import; None if that fails."""
    module_name, _, attr = key.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return getattr(module, attr, None)
