"""``BaseModel``: the model interface the runner drives.

Subclasses implement ``forward(*inputs, mode=...)`` with three modes:
``'loss'`` returns a dict of losses, ``'predict'`` post-processed predictions,
``'tensor'`` raw outputs. ``train_step``, ``val_step`` and ``test_step`` wrap
that with the data preprocessor, loss parsing and the optimiser update.
"""

from __future__ import annotations

from abc import abstractmethod
from collections import OrderedDict
from typing import Any

import torch
from torch import nn

from treadle.model.base_module import BaseModule
from treadle.model.data_preprocessor import BaseDataPreprocessor
from treadle.model.wrappers import run_forward
from treadle.optim.optim_wrapper import NO_CONTEXT
from treadle.registry import MODELS


class BaseModel(BaseModule):
    """Base class of models trained by the runner.

    Args:
        data_preprocessor: a module, or a cfg built from ``MODELS``; defaults to
            ``dict(type='BaseDataPreprocessor')`` (moves the batch to the device).
        init_cfg: see :class:`~treadle.model.BaseModule`.
    """

    def __init__(
        self,
        data_preprocessor: dict[str, Any] | nn.Module | None = None,
        init_cfg: dict[str, Any] | list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(init_cfg)
        if data_preprocessor is None:
            data_preprocessor = dict(type="BaseDataPreprocessor")
        if isinstance(data_preprocessor, nn.Module):
            self.data_preprocessor = data_preprocessor
        elif isinstance(data_preprocessor, dict):
            self.data_preprocessor = MODELS.build(data_preprocessor)
        else:
            raise TypeError(
                f"data_preprocessor must be a dict (a MODELS cfg such as "
                f"dict(type='ImgDataPreprocessor', ...)) or an nn.Module, got "
                f"{type(data_preprocessor).__name__}: {data_preprocessor!r}"
            )

    @abstractmethod
    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        """``mode='loss'``: dict of losses; ``'predict'``: predictions; ``'tensor'``: raw."""

    def train_step(self, data: Any, optim_wrapper: Any) -> dict[str, torch.Tensor]:
        """One optimisation step on ``data``; returns the log variables (``'loss'`` first)."""
        # the registered submodule read from _modules: no nn.Module.__getattr__ per iteration
        preprocessor = self._modules.get("data_preprocessor")
        if preprocessor is None:  # set as something other than a submodule
            preprocessor = self.data_preprocessor
        context = optim_wrapper.optim_context(self)
        if context is NO_CONTEXT:  # the common case: no context manager calls per iteration
            losses = self._run_forward(preprocessor(data, True), mode="loss")
        else:
            with context:
                losses = self._run_forward(preprocessor(data, True), mode="loss")
        parsed_loss, log_vars = self.parse_losses(losses)
        optim_wrapper.update_params(parsed_loss)
        return log_vars

    def val_step(self, data: Any) -> Any:
        """Predictions for a validation batch (``forward(mode='predict')``)."""
        data = self.data_preprocessor(data, False)
        return self._run_forward(data, mode="predict")

    def test_step(self, data: Any) -> Any:
        """Predictions for a test batch (``forward(mode='predict')``)."""
        data = self.data_preprocessor(data, False)
        return self._run_forward(data, mode="predict")

    def parse_losses(
        self, losses: dict[str, Any]
    ) -> tuple[torch.Tensor, OrderedDict[str, torch.Tensor]]:
        """Sum the entries whose key contains ``'loss'`` into the loss to back-propagate.

        Each value is a tensor (its mean is taken) or a list of tensors (the sum of
        their means). ``log_vars`` holds the total as ``'loss'`` followed by every
        entry (as MMEngine's, not detached: the hooks log them with ``.item()``).
        """
        if not isinstance(losses, dict):
            raise TypeError(
                f"forward(mode='loss') of {type(self).__name__} must return a dict of losses, "
                f"got {type(losses).__name__}"
            )
        log_vars: OrderedDict[str, Any] = OrderedDict()
        log_vars["loss"] = None  # 'loss' comes first
        loss = None
        for name, value in losses.items():
            if isinstance(value, torch.Tensor):
                # a 0-d tensor is its own mean: no extra autograd node to run backward through
                if value.dim():
                    value = value.mean()
            elif (
                isinstance(value, (list, tuple))
                and value
                and all(isinstance(v, torch.Tensor) for v in value)
            ):
                value = sum(v.mean() for v in value)
            else:
                raise TypeError(
                    f"loss {name!r} returned by {type(self).__name__}.forward(mode='loss') "
                    f"must be a tensor or a list of tensors, got {type(value).__name__}"
                )
            log_vars[name] = value
            if "loss" in name:  # not sum(): its 0 start adds a node to the graph
                loss = value if loss is None else loss + value
        if loss is None:
            raise ValueError(
                f"{type(self).__name__}.forward(mode='loss') returned no key containing "
                f"'loss' (keys: {list(losses)}); name at least one entry e.g. 'loss_cls'"
            )
        if log_vars["loss"] is None:  # else an entry named 'loss' took the total's place
            log_vars["loss"] = loss
        return loss, log_vars

    def _run_forward(self, data: Any, mode: str) -> Any:
        """``self(**data, mode=mode)`` for a dict, ``self(*data, mode=mode)`` for a sequence."""
        return run_forward(self, data, mode)

    # device moves also tell the data preprocessors where batches must go
    def to(self, *args: Any, **kwargs: Any) -> BaseModel:
        device = torch._C._nn._parse_to(*args, **kwargs)[0]
        if device is not None:
            self._set_device(torch.device(device))
        return super().to(*args, **kwargs)

    def cuda(self, device: int | torch.device | None = None) -> BaseModel:
        if device is None:
            device = torch.cuda.current_device()
        self._set_device(
            torch.device("cuda", device) if isinstance(device, int) else torch.device(device)
        )
        return super().cuda(device)

    def cpu(self) -> BaseModel:
        self._set_device(torch.device("cpu"))
        return super().cpu()

    def _set_device(self, device: torch.device) -> None:
        for module in self.modules():
            if isinstance(module, BaseDataPreprocessor):
                module._device = device
