"""``PARAM_SCHEDULERS``' build function: honours ``convert_to_iter_based``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from treadle.registry import build_from_cfg
from treadle.registry.registry import Registry


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
