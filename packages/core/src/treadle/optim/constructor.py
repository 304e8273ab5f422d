"""``DefaultOptimWrapperConstructor`` and ``build_optim_wrapper``: optimizer configs to wrappers.

``paramwise_cfg`` gives parts of the model their own learning rate and weight
decay without code: ``custom_keys`` by parameter-name substring (longest key
wins), or multipliers by parameter kind (bias, norm layer, depth-wise conv,
1-D parameters).
"""

from __future__ import annotations

import copy
import inspect
import logging
import warnings
from typing import Any

import torch
from torch import nn

from treadle.optim.base import BaseOptimWrapper
from treadle.registry import OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS, OPTIMIZERS

logger = logging.getLogger(__name__)

#: The keys ``DefaultOptimWrapperConstructor`` reads from ``paramwise_cfg``.
PARAMWISE_KEYS = (
    "custom_keys",
    "lr_mult",
    "decay_mult",
    "bias_lr_mult",
    "bias_decay_mult",
    "norm_decay_mult",
    "dwconv_decay_mult",
    "flat_decay_mult",
    "dcn_offset_lr_mult",
    "bypass_duplicate",
)
_DECAY_KEYS = (
    "decay_mult",
    "bias_decay_mult",
    "norm_decay_mult",
    "dwconv_decay_mult",
    "flat_decay_mult",
)
_NORM_TYPES = (
    nn.modules.batchnorm._BatchNorm,
    nn.modules.instancenorm._InstanceNorm,
    nn.GroupNorm,
    nn.LayerNorm,
)
_DCN_TYPES = ("DeformConv2d", "ModulatedDeformConv2d")  # mmcv-style ops, matched by name


def _is_dcn(module: nn.Module) -> bool:
    return type(module).__name__ in _DCN_TYPES


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class DefaultOptimWrapperConstructor:
    """Build an optimizer wrapper for a model from ``optim_wrapper_cfg`` and ``paramwise_cfg``.

    Args:
        optim_wrapper_cfg: the ``optim_wrapper`` config without ``constructor`` and
            ``paramwise_cfg``: ``dict(type='OptimWrapper', optimizer=dict(type='SGD', ...))``.
        paramwise_cfg: per-parameter options. Keys: ``custom_keys``
            (``{name_substring: dict(lr_mult=, decay_mult=, ...)}``), ``lr_mult`` and
            ``decay_mult`` (every other parameter), ``bias_lr_mult``, ``bias_decay_mult``,
            ``norm_decay_mult``, ``dwconv_decay_mult``, ``flat_decay_mult``,
            ``dcn_offset_lr_mult``, ``bypass_duplicate``.
    """

    def __init__(
        self, optim_wrapper_cfg: dict[str, Any], paramwise_cfg: dict[str, Any] | None = None
    ) -> None:
        if not isinstance(optim_wrapper_cfg, dict):
            raise TypeError(
                f"optim_wrapper_cfg must be a dict, got {type(optim_wrapper_cfg).__name__}"
            )
        if "optimizer" not in optim_wrapper_cfg:
            raise KeyError(
                f"optim_wrapper config {optim_wrapper_cfg!r} has no 'optimizer' key: add "
                "optimizer=dict(type='SGD', lr=0.01) (or another torch.optim optimizer)"
            )
        self.optim_wrapper_cfg = dict(optim_wrapper_cfg)
        self.optimizer_cfg = self.optim_wrapper_cfg.pop("optimizer")
        self.paramwise_cfg: dict[str, Any] = {} if paramwise_cfg is None else paramwise_cfg
        base = self.optimizer_cfg if isinstance(self.optimizer_cfg, dict) else {}
        self.base_lr: float | None = base.get("lr")
        self.base_wd: float | None = base.get("weight_decay")
        self._validate_cfg()

    def _validate_cfg(self) -> None:
        if not isinstance(self.paramwise_cfg, dict):
            raise TypeError(
                f"paramwise_cfg must be a dict or None, got {type(self.paramwise_cfg).__name__}"
            )
        if type(self) is DefaultOptimWrapperConstructor:  # subclasses may read more keys
            unknown = [key for key in self.paramwise_cfg if key not in PARAMWISE_KEYS]
            if unknown:
                warnings.warn(
                    f"paramwise_cfg keys {unknown} are not used by "
                    f"DefaultOptimWrapperConstructor (it reads {list(PARAMWISE_KEYS)})",
                    stacklevel=3,
                )
        custom_keys = self.paramwise_cfg.get("custom_keys", {})
        if not isinstance(custom_keys, dict):
            raise TypeError(
                "paramwise_cfg['custom_keys'] must be a dict {name_substring: options}, got "
                f"{type(custom_keys).__name__}"
            )
        for key, options in custom_keys.items():
            if not isinstance(options, dict):
                raise TypeError(
                    f"paramwise_cfg['custom_keys'][{key!r}] must be a dict such as "
                    f"dict(lr_mult=0.1), got {options!r}"
                )
        if self.base_wd is None:
            wanting = [k for k in _DECAY_KEYS if k in self.paramwise_cfg] + [
                f"custom_keys[{k!r}].decay_mult"
                for k, o in custom_keys.items()
                if "decay_mult" in o
            ]
            if wanting:
                raise ValueError(
                    f"paramwise_cfg sets {', '.join(wanting)} but the optimizer config has no "
                    "weight_decay to multiply: add weight_decay=... to the optimizer config"
                )
        if self.base_lr is None:
            lr_keys = ("lr_mult", "bias_lr_mult", "dcn_offset_lr_mult")
            wanting = [k for k in lr_keys if k in self.paramwise_cfg]
            wanting += [f"custom_keys[{k!r}]" for k in custom_keys]
            if wanting:
                raise ValueError(
                    f"paramwise_cfg sets {', '.join(wanting)} but the optimizer config has no "
                    "lr to multiply: add lr=... to the optimizer config"
                )

    # ---------------------------------------------------------------- build
    def __call__(self, model: nn.Module) -> BaseOptimWrapper:
        """Build the optimizer over ``model``'s parameters and wrap it."""
        if hasattr(model, "module"):  # a DDP-style wrapper
            model = model.module
        optimizer_cfg = dict(self.optimizer_cfg)
        optimizer_cls = optimizer_cfg["type"]
        if isinstance(optimizer_cls, str):
            with OPTIMIZERS.switch_scope_and_registry(None) as registry:
                found = registry.get(optimizer_cls)
            if found is None:
                raise registry.unknown_type_error(optimizer_cls)
            optimizer_cls = found
        # the first argument is 'params' for torch optimizers, 'model_params' for some others
        first_arg = next(iter(inspect.signature(optimizer_cls).parameters))
        if self.paramwise_cfg:
            params: list[dict[str, Any]] = []
            self.add_params(params, model)
            self._warn_unmatched_custom_keys(model)
            optimizer_cfg[first_arg] = params
        else:
            optimizer_cfg[first_arg] = model.parameters()
        optimizer = OPTIMIZERS.build(optimizer_cfg)
        wrapper_cfg = dict(self.optim_wrapper_cfg)
        wrapper_cfg.setdefault("type", "OptimWrapper")
        return OPTIM_WRAPPERS.build(wrapper_cfg, default_args={"optimizer": optimizer})

    def _warn_unmatched_custom_keys(self, model: nn.Module) -> None:
        names = [f".{name}" for name, _ in model.named_parameters(remove_duplicate=False)]
        custom_keys = self.paramwise_cfg.get("custom_keys", {})
        unmatched = [key for key in custom_keys if not any(key in name for name in names)]
        if unmatched:
            shown = [name[1:] for name in names[:8]]
            warnings.warn(
                f"paramwise_cfg custom_keys {unmatched} match no parameter of "
                f"{type(model).__name__}; a key applies to parameters whose name contains "
                f"it, and the names are {shown}{' ...' if len(names) > 8 else ''}",
                stacklevel=4,
            )

    @staticmethod
    def _is_in(param_group: dict[str, Any], param_group_list: list[dict[str, Any]]) -> bool:
        """Whether a parameter of ``param_group`` is already in one of the groups."""
        seen = {id(p) for group in param_group_list for p in group["params"]}
        return any(id(p) in seen for p in param_group["params"])

    def add_params(
        self,
        params: list[dict[str, Any]],
        module: nn.Module,
        prefix: str = "",
        is_dcn_module: bool | None = None,
    ) -> None:
        """Append one param group per parameter of ``module`` (recursively) to ``params``.

        Args:
            params: the param groups built so far (``[]`` on the first call).
            module: the module whose direct parameters are added, then its children.
            prefix: the module's dotted name in the model.
            is_dcn_module: whether ``module`` belongs to a deformable convolution.
        """
        custom_keys = self.paramwise_cfg.get("custom_keys", {})
        sorted_keys = sorted(sorted(custom_keys), key=len, reverse=True)
        bypass_duplicate = self.paramwise_cfg.get("bypass_duplicate", False)

        for name, param in module.named_parameters(recurse=False):
            full_name = f"{prefix}.{name}" if prefix else name
            group: dict[str, Any] = {"params": [param]}
            if bypass_duplicate and self._is_in(group, params):
                warnings.warn(
                    f"{full_name} is shared with a parameter added before; skipped "
                    "because bypass_duplicate=True",
                    stacklevel=2,
                )
                continue
            if not param.requires_grad:  # frozen: left out of the optimizer, as MMEngine does
                logger.warning("%s is skipped since its requires_grad=False", full_name)
                continue
            custom = next((key for key in sorted_keys if key in f"{prefix}.{name}"), None)
            if custom is not None:
                options = custom_keys[custom]
                group["lr"] = self.base_lr * options.get("lr_mult", 1.0)
                if self.base_wd is not None:
                    group["weight_decay"] = self.base_wd * options.get("decay_mult", 1.0)
                group.update(options)
            else:
                self._apply_kind_rules(group, name, param, module, prefix, bool(is_dcn_module))
            params.append(group)
            for key, value in group.items():
                if key != "params":
                    logger.info("paramwise_options -- %s:%s=%s", full_name, key, value)

        child_is_dcn = _is_dcn(module)
        for child_name, child in module.named_children():
            child_prefix = f"{prefix}.{child_name}" if prefix else child_name
            self.add_params(params, child, prefix=child_prefix, is_dcn_module=child_is_dcn)

    def _apply_kind_rules(
        self,
        group: dict[str, Any],
        name: str,
        param: torch.Tensor,
        module: nn.Module,
        prefix: str,
        is_dcn_module: bool,
    ) -> None:
        """Set lr/weight_decay of a parameter no custom key matched, by its kind.

        The most specific rule wins: bias (not of norm or DCN layers), DCN offset, then
        the model-wide ``lr_mult``; for decay: norm layer, bias, depth-wise conv, 1-D
        parameter, then the model-wide ``decay_mult``.
        """
        cfg = self.paramwise_cfg
        is_norm = isinstance(module, _NORM_TYPES)
        is_dwconv = isinstance(module, nn.Conv2d) and module.in_channels == module.groups
        bias_lr_mult = cfg.get("bias_lr_mult")
        dcn_offset_lr_mult = cfg.get("dcn_offset_lr_mult")
        if name == "bias" and not (is_norm or is_dcn_module) and bias_lr_mult is not None:
            group["lr"] = self.base_lr * bias_lr_mult
        elif (
            "conv_offset" in prefix
            and is_dcn_module
            and dcn_offset_lr_mult is not None
            and isinstance(module, nn.Conv2d)
        ):
            group["lr"] = self.base_lr * dcn_offset_lr_mult
        elif cfg.get("lr_mult") is not None:
            group["lr"] = self.base_lr * cfg["lr_mult"]
        if self.base_wd is None:
            return
        if is_norm and cfg.get("norm_decay_mult") is not None:
            mult = cfg["norm_decay_mult"]
        elif name == "bias" and not is_dcn_module and cfg.get("bias_decay_mult") is not None:
            mult = cfg["bias_decay_mult"]
        elif is_dwconv and cfg.get("dwconv_decay_mult") is not None:
            mult = cfg["dwconv_decay_mult"]
        elif param.ndim == 1 and not is_dcn_module and cfg.get("flat_decay_mult") is not None:
            mult = cfg["flat_decay_mult"]
        elif cfg.get("decay_mult") is not None:
            mult = cfg["decay_mult"]
        else:
            return
        group["weight_decay"] = self.base_wd * mult


def build_optim_wrapper(model: nn.Module, cfg: dict[str, Any]) -> BaseOptimWrapper:
    """Build an optimizer wrapper for ``model`` from an ``optim_wrapper`` config.

    ``cfg`` is what a config's ``optim_wrapper`` holds: ``type`` (default
    ``'OptimWrapper'``), ``optimizer``, and optionally ``constructor`` (default
    ``'DefaultOptimWrapperConstructor'``) and ``paramwise_cfg``. ``optimizer`` may
    also be an already built ``torch.optim.Optimizer``.
    """
    cfg = dict(cfg)
    if not isinstance(cfg.get("optimizer"), torch.optim.Optimizer):
        cfg = copy.deepcopy(cfg)  # never mutate the caller's config
    constructor_type = cfg.pop("constructor", "DefaultOptimWrapperConstructor")
    paramwise_cfg = cfg.pop("paramwise_cfg", None)
    if isinstance(cfg.get("optimizer"), torch.optim.Optimizer):
        if paramwise_cfg:
            raise ValueError(
                "paramwise_cfg needs an optimizer config dict to build param groups from, "
                "but optim_wrapper['optimizer'] is an already built optimizer"
            )
        cfg.setdefault("type", "OptimWrapper")
        return OPTIM_WRAPPERS.build(cfg)
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(
        {"type": constructor_type, "optim_wrapper_cfg": cfg, "paramwise_cfg": paramwise_cfg}
    )
    return constructor(model)
