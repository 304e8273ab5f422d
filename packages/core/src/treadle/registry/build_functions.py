"""The build functions MMEngine's root registries use (``Registry(..., build_func=...)``).

``MODELS`` builds lists of cfgs into a ``Sequential``, ``RUNNERS`` builds a whole
config through ``Runner.from_cfg``, ``PARAM_SCHEDULERS`` honours
``convert_to_iter_based``. The module is torch-free: torch and the runner are
imported only when something is built.
"""

from __future__ import annotations

from treadle.registry.build import _is_mapping, build_from_cfg
from treadle.registry.registry import Registry

TYPE_CHECKING = False  # typing/collections are not imported at runtime: import cost
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


def _check(func: str, cfg: Any, registry: Any) -> None:
    if not _is_mapping(cfg):
        raise TypeError(f"{func}() needs a dict-like cfg, got {type(cfg).__name__}: {cfg!r}")
    if not isinstance(registry, Registry):
        raise TypeError(
            f"{func}() needs a treadle Registry as registry, got {type(registry).__name__}"
        )


def build_model_from_cfg(
    cfg: Mapping[str, Any] | list[Mapping[str, Any]],
    registry: Registry,
    default_args: Mapping[str, Any] | None = None,
) -> Any:
    """Build a module from a cfg, or a ``treadle.model.Sequential`` from a list of cfgs.

    Each cfg is built with :func:`build_from_cfg` and the same ``default_args``.
    """
    if isinstance(cfg, list):
        from treadle.model import Sequential

        return Sequential(*(build_from_cfg(item, registry, default_args) for item in cfg))
    return build_from_cfg(cfg, registry, default_args)


def build_runner_from_cfg(cfg: Mapping[str, Any], registry: Registry) -> Any:
    """Build a runner from a whole config: ``runner_type`` (default ``'Runner'``)
    names the class in ``registry``, whose ``from_cfg`` receives the config.

    ``_scope_`` in the config switches the default scope while the runner class is
    looked up and built. A class given as ``runner_type`` is used as it is and left
    out of the config handed to ``from_cfg``.
    """
    _check("build_runner_from_cfg", cfg, registry)
    import copy

    # a Config stays a Config (the runner logs its file name); other mappings become dicts
    args = copy.copy(cfg) if hasattr(cfg, "pop") else dict(cfg)
    scope = args.pop("_scope_", None)
    with registry.switch_scope_and_registry(scope) as scoped:
        runner_type = args.get("runner_type", "Runner")
        if isinstance(runner_type, str):
            runner_cls = scoped.get(runner_type)
            if runner_cls is None:
                raise scoped.unknown_type_error(runner_type)
        elif isinstance(runner_type, type):
            runner_cls = runner_type
            args.pop("runner_type")  # resolved here; from_cfg looks up names only
        else:
            raise TypeError(
                f"runner_type must be a registered name or a class, got "
                f"{type(runner_type).__name__}: {runner_type!r}"
            )
        if not callable(getattr(runner_cls, "from_cfg", None)):
            raise TypeError(
                f"runner_type {runner_type!r} resolves to {runner_cls!r}, which has no "
                "from_cfg classmethod; register a Runner subclass"
            )
        return runner_cls.from_cfg(args)


def build_scheduler_from_cfg(
    cfg: Mapping[str, Any],
    registry: Registry,
    default_args: Mapping[str, Any] | None = None,
) -> Any:
    """Build a parameter scheduler; ``convert_to_iter_based=True`` goes through
    ``build_iter_from_epoch`` with ``default_args['epoch_length']``.

    The runner passes ``default_args=dict(optimizer=..., epoch_length=len(train_dataloader))``;
    ``epoch_length`` is dropped for schedulers that do not convert.
    """
    _check("build_scheduler_from_cfg", cfg, registry)
    args = dict(cfg)
    defaults = dict(default_args or {})
    epoch_length = defaults.pop("epoch_length", None)
    if not args.pop("convert_to_iter_based", False):
        return build_from_cfg(args, registry, defaults)
    if epoch_length is None:
        raise ValueError(
            f"scheduler cfg {dict(cfg)!r} sets convert_to_iter_based=True, which needs "
            "epoch_length (iterations per epoch): pass default_args=dict(optimizer=..., "
            "epoch_length=len(train_dataloader))"
        )
    scheduler_type = args.get("type")
    if isinstance(scheduler_type, str):
        scope = args.pop("_scope_", None)
        with registry.switch_scope_and_registry(scope) as scoped:
            scheduler_cls = scoped.get(scheduler_type)
            if scheduler_cls is None:
                raise scoped.unknown_type_error(scheduler_type)
    else:
        scheduler_cls = scheduler_type
    if not hasattr(scheduler_cls, "build_iter_from_epoch"):
        raise TypeError(
            f"convert_to_iter_based=True needs a scheduler with build_iter_from_epoch, "
            f"but {scheduler_type!r} has none"
        )
    args["type"] = scheduler_cls.build_iter_from_epoch
    defaults["epoch_length"] = epoch_length
    return build_from_cfg(args, registry, defaults)
