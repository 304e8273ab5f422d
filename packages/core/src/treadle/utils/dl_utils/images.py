"""Turn a batch of normalised image tensors back into numpy images for display."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def tensor2imgs(
    tensor: torch.Tensor,
    mean: Sequence[float] | None = None,
    std: Sequence[float] | None = None,
    to_bgr: bool = True,
) -> list[np.ndarray]:
    """Undo normalisation of an ``(N, C, H, W)`` batch (C is 3, RGB, or 1) and return
    N contiguous ``(H, W, C)`` float arrays, BGR when ``to_bgr`` and C is 3.

    ``mean``/``std`` default to zeros/ones, one value per channel; a gray batch
    needs ``to_bgr=False``.
    """
    if not torch.is_tensor(tensor) or tensor.ndim != 4:
        shape = tuple(tensor.shape) if torch.is_tensor(tensor) else type(tensor).__name__
        raise ValueError(f"tensor2imgs expects an (N, C, H, W) tensor, got {shape}")
    channels = tensor.size(1)
    if channels not in (1, 3):
        raise ValueError(f"tensor2imgs handles 1 or 3 channels, got {channels}")
    mean = (0.0,) * channels if mean is None else tuple(mean)
    std = (1.0,) * channels if std is None else tuple(std)
    if len(mean) != channels or len(std) != channels:
        raise ValueError(
            f"tensor2imgs: mean {mean} and std {std} need one value per channel ({channels})"
        )
    if channels == 1 and to_bgr:
        raise ValueError("tensor2imgs: a 1-channel batch has no BGR form; pass to_bgr=False")
    channels_last = tensor.detach().permute(0, 2, 3, 1)
    arrays = (channels_last * tensor.new_tensor(std) + tensor.new_tensor(mean)).cpu().numpy()
    if to_bgr:
        arrays = arrays[..., ::-1]
    return [np.ascontiguousarray(array) for array in arrays]
