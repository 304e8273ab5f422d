"""Swap BatchNorm layers for ``SyncBatchNorm`` and back, keeping their state.

``SyncBatchNorm`` needs an initialised process group to run, so models trained
with it are reverted for single-process inference or CPU export.
"""

from __future__ import annotations

import logging

from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

logger = logging.getLogger(__name__)


class _BatchNormXd(_BatchNorm):
    """A BatchNorm of any rank: what a reverted ``SyncBatchNorm`` becomes."""

    def _check_input_dim(self, input: object) -> None:
        return


def _copy_state(source: _BatchNorm, target: _BatchNorm) -> _BatchNorm:
    if source.affine:
        target.weight = source.weight
        target.bias = source.bias
    target.running_mean = source.running_mean
    target.running_var = source.running_var
    target.num_batches_tracked = source.num_batches_tracked
    target.train(source.training)
    if hasattr(source, "qconfig"):
        target.qconfig = source.qconfig
    return target


def _batchnorm_like(cls: type[_BatchNorm], source: _BatchNorm) -> _BatchNorm:
    target = cls(
        source.num_features, source.eps, source.momentum, source.affine, source.track_running_stats
    )
    return _copy_state(source, target)


def revert_sync_batchnorm(module: nn.Module) -> nn.Module:
    """``module`` with every ``SyncBatchNorm`` replaced by an equivalent plain BatchNorm."""
    output = module
    if isinstance(module, nn.SyncBatchNorm):
        output = _batchnorm_like(_BatchNormXd, module)
    for name, child in module.named_children():
        try:
            output.add_module(name, revert_sync_batchnorm(child))
        except Exception as exc:  # third-party containers may refuse add_module
            logger.warning("failed to revert %s from SyncBatchNorm: %s", name, exc)
    return output


def convert_sync_batchnorm(module: nn.Module, implementation: str = "torch") -> nn.Module:
    """``module`` with every BatchNorm replaced by ``torch.nn.SyncBatchNorm`` (same state)."""
    if implementation != "torch":
        raise ValueError(
            f"convert_sync_batchnorm: implementation must be 'torch' (treadle has no mmcv ops), "
            f"got {implementation!r}"
        )
    output = module
    if isinstance(module, _BatchNorm) and not isinstance(module, nn.SyncBatchNorm):
        output = _batchnorm_like(nn.SyncBatchNorm, module)
    for name, child in module.named_children():
        output.add_module(name, convert_sync_batchnorm(child, implementation))
    return output
