"""Model wrappers: ``MMDistributedDataParallel`` and ``is_model_wrapper``.

A wrapped model keeps the ``train_step``/``val_step``/``test_step`` interface of
:class:`~treadle.model.BaseModel`. The DDP wrapper runs the data preprocessor
and the forward pass *through itself* in ``train_step`` so that DDP's hooks see
the forward and average gradients across ranks during ``backward``.
"""

from __future__ import annotations

import logging
from typing import Any

import torch
from torch import nn
from torch.nn.parallel import DataParallel, DistributedDataParallel

from treadle.registry import MODEL_WRAPPERS, Registry

logger = logging.getLogger(__name__)

MODEL_WRAPPERS.register_module(module=DistributedDataParallel)
MODEL_WRAPPERS.register_module(module=DataParallel)


@MODEL_WRAPPERS.register_module(name="MMFullyShardedDataParallel")
def _build_fully_sharded(**kwargs: Any) -> nn.Module:
    """Build the FSDP wrapper, importing it (and torch's FSDP, slow to import) only now."""
    from treadle.model.fully_sharded import MMFullyShardedDataParallel

    return MMFullyShardedDataParallel(**kwargs)


def is_model_wrapper(model: nn.Module, registry: Registry = MODEL_WRAPPERS) -> bool:
    """Whether ``model`` is an instance of a class registered in ``registry`` or a child."""
    registry.import_from_location()
    wrappers = tuple(w for w in registry.module_dict.values() if isinstance(w, type))
    if wrappers and isinstance(model, wrappers):
        return True
    return any(is_model_wrapper(model, child) for child in registry.children.values())


def unwrap_model(model: nn.Module) -> nn.Module:
    """The model inside any registered model wrappers (DDP and friends), or ``model``."""
    while is_model_wrapper(model):
        model = model.module
    return model


def run_forward(model: nn.Module, data: Any, mode: str) -> Any:
    """Call ``model`` with ``data`` unpacked (``**dict`` or ``*sequence``) and ``mode``."""
    if isinstance(data, dict):
        return model(**data, mode=mode)
    if isinstance(data, (list, tuple)):
        return model(*data, mode=mode)
    raise TypeError(
        f"the data preprocessor must return a dict, list or tuple to unpack into forward(), "
        f"got {type(data).__name__}"
    )


def detect_anomalous_params(loss: torch.Tensor, model: nn.Module) -> list[str]:
    """Names of trainable parameters the loss does not depend on (logged as errors).

    Such parameters make DDP hang or fail unless ``find_unused_parameters=True``.
    """
    reached: set[int] = set()  # ids: tensors compare elementwise, not by identity
    seen: set[Any] = set()
    stack = [loss.grad_fn] if loss.grad_fn is not None else []
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        variable = getattr(fn, "variable", None)
        if variable is not None:
            reached.add(id(variable))
        stack.extend(next_fn for next_fn, _ in fn.next_functions)
    anomalous = [
        name
        for name, param in model.named_parameters()
        if param.requires_grad and id(param) not in reached
    ]
    for name in anomalous:
        logger.error("%s (%s) did not take part in computing the loss", name, type(model).__name__)
    return anomalous


@MODEL_WRAPPERS.register_module()
class MMDistributedDataParallel(DistributedDataParallel):
    """``DistributedDataParallel`` for models with ``train_step``/``val_step``/``test_step``.

    Args:
        module: the model (a :class:`~treadle.model.BaseModel` or alike).
        detect_anomalous_params: log parameters the loss does not reach (debugging aid;
            walks the autograd graph every step, so slow).
        **kwargs: passed to ``DistributedDataParallel`` (``device_ids``,
            ``find_unused_parameters``, ...).
    """

    def __init__(
        self, module: nn.Module, detect_anomalous_params: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(module=module, **kwargs)
        self.detect_anomalous_params = detect_anomalous_params

    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, torch.Tensor]:
        """Preprocess, forward through DDP, parse losses, update; return the log variables."""
        with optim_wrapper.optim_context(self):
            data = self.module.data_preprocessor(data, training=True)
            losses = run_forward(self, data, mode="loss")
        parsed_loss, log_vars = self.module.parse_losses(losses)
        optim_wrapper.update_params(parsed_loss)
        if self.detect_anomalous_params:
            detect_anomalous_params(parsed_loss, model=self)
        return log_vars

    def val_step(self, data: Any) -> Any:
        """The wrapped model's ``val_step`` (no gradient sync needed)."""
        return self.module.val_step(data)

    def test_step(self, data: Any) -> Any:
        """The wrapped model's ``test_step``."""
        return self.module.test_step(data)

    def _run_forward(self, data: Any, mode: str) -> Any:
        return run_forward(self, data, mode)
