"""``build_from_cfg``: turn ``dict(type=..., **kwargs)`` into an object.

This is the hot path of every config-driven build, so the common case (no
``_scope_``, a plain class) does no more than a copy, two dict lookups and the call.
"""

from __future__ import annotations

from treadle.registry.default_scope import DefaultScope
from treadle.registry.errors import RegistryError
from treadle.utils.manager import ManagerMixin

TYPE_CHECKING = False  # typing/collections are not imported at runtime: import cost
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from treadle.registry.registry import Registry

_MAX_CFG_REPR = 400


def _is_mapping(obj: Any) -> bool:
    if isinstance(obj, dict):
        return True
    from collections.abc import Mapping  # only for non-dict mappings such as Config

    return isinstance(obj, Mapping)


def _cfg_repr(cfg: Any) -> str:
    text = repr(dict(cfg)) if _is_mapping(cfg) else repr(cfg)
    return text if len(text) <= _MAX_CFG_REPR else text[: _MAX_CFG_REPR - 3] + "..."


def build_from_cfg(
    cfg: Mapping[str, Any],
    registry: Registry,
    default_args: Mapping[str, Any] | None = None,
) -> Any:
    """Build the object that ``cfg['type']`` names, passing the other keys as kwargs.

    ``type`` may be a registered name (optionally ``'scope.Name'``) or a class or
    function. ``default_args`` fill keys the cfg lacks. ``_scope_`` in the cfg
    switches the default scope while this object (and what it builds) is built.
    Classes using :class:`~treadle.utils.manager.ManagerMixin` are fetched with
    ``get_instance`` instead of being constructed.
    """
    if not _is_mapping(cfg):
        raise TypeError(f"cfg must be a dict-like mapping, got {type(cfg).__name__}: {cfg!r}")
    args = dict(cfg)
    if default_args is not None:
        if not _is_mapping(default_args):
            raise TypeError(
                f"default_args must be a mapping or None, got {type(default_args).__name__}"
            )
        for key, value in default_args.items():
            args.setdefault(key, value)
    if "type" not in args:
        raise RegistryError(
            f"cfg (or default_args) must contain the key 'type' naming what to build in "
            f"registry {registry.name!r}; got cfg {_cfg_repr(cfg)}"
            + ("" if default_args is None else f" and default_args {_cfg_repr(default_args)}")
        )
    scope = args.pop("_scope_", None)
    if scope is None:
        if DefaultScope._instance_dict:
            registry = registry._registry_for(DefaultScope.current_scope_name())
        return _instantiate(args, registry, cfg)
    with registry.switch_scope_and_registry(scope) as scoped_registry:
        return _instantiate(args, scoped_registry, cfg)


def _instantiate(args: dict[str, Any], registry: Registry, cfg: Any) -> Any:
    obj_type = args.pop("type")
    if isinstance(obj_type, str):
        obj_cls = registry.get(obj_type)
        if obj_cls is None:
            raise registry.unknown_type_error(obj_type)
    elif callable(obj_type):
        obj_cls = obj_type
    else:
        raise TypeError(
            f"'type' must be a str or a class/function, got {type(obj_type).__name__} "
            f"{obj_type!r} in cfg {_cfg_repr(cfg)}"
        )
    try:
        if isinstance(obj_cls, type) and issubclass(obj_cls, ManagerMixin):
            return obj_cls.get_instance(**args)
        return obj_cls(**args)
    except Exception as exc:
        if getattr(exc, "_treadle_build_context", False):
            raise  # an inner build already said which cfg failed
        raise _with_build_context(exc, obj_cls, cfg) from exc


def _with_build_context(exc: Exception, obj_cls: Any, cfg: Any) -> Exception:
    """The same kind of exception, saying which class and cfg failed and why."""
    name = f"{getattr(obj_cls, '__module__', '?')}.{getattr(obj_cls, '__qualname__', obj_cls)}"
    message = f"{name} failed to build from cfg {_cfg_repr(cfg)}: {type(exc).__name__}: {exc}"
    wrapped: Exception
    if isinstance(exc, KeyError):
        wrapped = RegistryError(message)
    else:
        try:
            wrapped = type(exc)(message)
        except Exception:
            wrapped = RuntimeError(message)
    wrapped._treadle_build_context = True  # type: ignore[attr-defined]
    return wrapped
