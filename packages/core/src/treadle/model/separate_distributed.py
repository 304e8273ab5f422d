"""``MMSeparateDistributedDataParallel``: one DDP wrapper per trainable child of the model
(MMEngine's, for GANs). A generator and a discriminator, updated in turns by their own
optimizers, cannot share one DDP wrapper: DDP expects every parameter it wraps to get a
gradient in each backward."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from torch import nn
from torch.nn.parallel import DistributedDataParallel

from treadle.model.wrappers import MMDistributedDataParallel
from treadle.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class MMSeparateDistributedDataParallel(DistributedDataParallel):
    """Wrap each child of ``module`` that has trainable parameters in its own
    :class:`MMDistributedDataParallel` (children without any stay as they are), and leave
    ``train_step``/``val_step``/``test_step`` to the model, which updates its parts itself.

    Args:
        module: the model, already on its device.
        broadcast_buffers, find_unused_parameters, **kwargs: for each child's wrapper.
    """

    def __init__(
        self,
        module: nn.Module,
        broadcast_buffers: bool = False,
        find_unused_parameters: bool = False,
        **kwargs: Any,
    ) -> None:
        nn.Module.__init__(self)  # no DDP of its own: the children get theirs
        self.module = module
        for name, child in module._modules.items():
            if child is not None and any(p.requires_grad for p in child.parameters()):
                module._modules[name] = MMDistributedDataParallel(
                    module=child,
                    broadcast_buffers=broadcast_buffers,
                    find_unused_parameters=find_unused_parameters,
                    **kwargs,
                )

    def train_step(self, data: Any, optim_wrapper: Any) -> dict:
        """The model's own ``train_step`` (it steps each part's optimizer)."""
        return self.module.train_step(data, optim_wrapper)

    def val_step(self, data: Any) -> Any:
        return self.module.val_step(data)

    def test_step(self, data: Any) -> Any:
        return self.module.test_step(data)

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """No gradient synchronisation in any child's wrapper (gradient accumulation)."""
        with ExitStack() as stack:
            for child in self.module._modules.values():
                if isinstance(child, DistributedDataParallel):
                    stack.enter_context(child.no_sync())
            yield

    def train(self, mode: bool = True) -> MMSeparateDistributedDataParallel:
        self.training = mode
        self.module.train(mode)
        return self
