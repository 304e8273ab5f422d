"""Data preprocessors: move a batch to the model's device, then normalise and pad it.

Moving first and normalising on the device keeps host-to-device copies small
(uint8 images are a quarter the size of float ones). ``BaseModel`` calls its
preprocessor as ``data_preprocessor(data, training)`` at the start of each step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.modules import module as _torch_module

from treadle.model.utils import stack_batch
from treadle.registry import MODELS
from treadle.structures import BaseDataElement


def _describe(inputs: Any) -> str:
    if isinstance(inputs, Sequence) and not isinstance(inputs, str):
        kinds = [
            f"tensor{tuple(x.shape)}" if isinstance(x, torch.Tensor) else type(x).__name__
            for x in inputs[:4]
        ]
        more = ", ..." if len(inputs) > 4 else ""
        return f"{type(inputs).__name__} of [{', '.join(kinds)}{more}]"
    return type(inputs).__name__


@MODELS.register_module()
class BaseDataPreprocessor(nn.Module):
    """Move tensors and data elements found anywhere in a batch to ``self.device``.

    Args:
        non_blocking: passed to ``.to()``; with pinned memory the copy overlaps compute.
    """

    def __init__(self, non_blocking: bool = False) -> None:
        super().__init__()
        self._non_blocking = non_blocking
        self._device = torch.device("cpu")
        # cast_data's note of whether _device is the CPU (a device's .type is slow to read)
        self._typed_device, self._on_cpu = self._device, True

    @property
    def device(self) -> torch.device:
        """Where ``cast_data`` puts the data: the device this module was last moved to."""
        return self._device

    def cast_data(self, data: Any) -> Any:
        """``data`` with every tensor / data element moved; containers keep their type."""
        if isinstance(data, torch.Tensor):  # the common leaf first
            if data.device == self._device:
                return data  # what .to() returns here, without parsing its arguments
            return data.to(self._device, non_blocking=self._non_blocking)
        if type(data) is dict:  # a plain dict (the default collate's batch) skips the ABC check
            device = self._device
            if device is not self._typed_device:  # moved since the last batch
                self._typed_device, self._on_cpu = device, device.type == "cpu"
            on_cpu = self._on_cpu
            cast = {}
            for key, value in data.items():  # a loop, not a comprehension: no extra frame
                # tensors already on the device are kept without a call per value (on the
                # CPU, is_cpu says so without building a device object per tensor)
                if isinstance(value, torch.Tensor) and (
                    value.is_cpu if on_cpu else value.device == device
                ):
                    cast[key] = value
                else:
                    cast[key] = self.cast_data(value)
            return cast
        if isinstance(data, Mapping):
            return {key: self.cast_data(value) for key, value in data.items()}
        if isinstance(data, (str, bytes)) or data is None:
            return data
        if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
            return type(data)(*(self.cast_data(item) for item in data))
        if isinstance(data, Sequence):
            return type(data)(self.cast_data(item) for item in data)
        if isinstance(data, BaseDataElement):
            return data.to(self._device, non_blocking=self._non_blocking)
        return data

    def forward(self, data: Any, training: bool = False) -> Any:
        """Move ``data`` to the device; subclasses add normalisation, batching, augmentation."""
        return self.cast_data(data)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # Called once per step. This class's own forward, called as (data[, training]),
        # with no module hooks and no compiled forward: go straight to cast_data (torch's
        # nn.Module.__call__ would reach the same call through two more frames).
        # Anything else: torch's __call__.
        if (
            not kwargs
            and 0 < len(args) <= 2
            and type(self).forward is BaseDataPreprocessor.forward
            and self._compiled_call_impl is None
            and not (
                self._forward_hooks
                or self._forward_pre_hooks
                or self._backward_hooks
                or self._backward_pre_hooks
                or _torch_module._global_forward_hooks
                or _torch_module._global_forward_pre_hooks
                or _torch_module._global_backward_hooks
                or _torch_module._global_backward_pre_hooks
            )
        ):
            return self.cast_data(args[0])
        return super().__call__(*args, **kwargs)

    def to(self, *args: Any, **kwargs: Any) -> BaseDataPreprocessor:
        device = torch._C._nn._parse_to(*args, **kwargs)[0]
        if device is not None:
            self._device = torch.device(device)
        return super().to(*args, **kwargs)

    def cuda(self, device: int | torch.device | None = None) -> BaseDataPreprocessor:
        if device is None:
            device = torch.cuda.current_device()
        if isinstance(device, int):
            device = torch.device("cuda", device)
        self._device = torch.device(device)
        return super().cuda(device)

    def cpu(self) -> BaseDataPreprocessor:
        self._device = torch.device("cpu")
        return super().cpu()


@MODELS.register_module()
class ImgDataPreprocessor(BaseDataPreprocessor):
    """Batch images: optional channel swap, float conversion, normalisation, padding.

    ``data['inputs']`` is a list of CHW tensors (stacked, each padded at the bottom
    and right to the batch's largest size rounded up to ``pad_size_divisor``) or
    an NCHW tensor. Padding happens after normalisation, so ``pad_value`` is in
    normalised units. ``data['data_samples']`` passes through (``None`` if absent).

    Args:
        mean, std: per-channel (1 or 3 values); both given or both None.
        pad_size_divisor: padded height and width are multiples of this.
        pad_value: value of the padded pixels.
        bgr_to_rgb, rgb_to_bgr: reverse the channel order (one of them at most).
        non_blocking: see :class:`BaseDataPreprocessor`.
    """

    def __init__(
        self,
        mean: Sequence[float] | None = None,
        std: Sequence[float] | None = None,
        pad_size_divisor: int = 1,
        pad_value: float = 0,
        bgr_to_rgb: bool = False,
        rgb_to_bgr: bool = False,
        non_blocking: bool = False,
    ) -> None:
        super().__init__(non_blocking)
        if bgr_to_rgb and rgb_to_bgr:
            raise ValueError("bgr_to_rgb and rgb_to_bgr cannot both be True; set at most one")
        if (mean is None) != (std is None):
            raise ValueError(
                f"mean and std must both be given or both be None, got mean={mean!r}, std={std!r}"
            )
        self._enable_normalize = mean is not None
        if mean is not None:
            for key, value in (("mean", mean), ("std", std)):
                if len(value) not in (1, 3):
                    raise ValueError(
                        f"{key} must have 1 (gray) or 3 (color) values, got {len(value)}: {value!r}"
                    )
            self.register_buffer("mean", torch.tensor(mean).view(-1, 1, 1), persistent=False)
            self.register_buffer("std", torch.tensor(std).view(-1, 1, 1), persistent=False)
        if not isinstance(pad_size_divisor, int) or pad_size_divisor < 1:
            raise ValueError(f"pad_size_divisor must be a positive int, got {pad_size_divisor!r}")
        self._channel_conversion = bgr_to_rgb or rgb_to_bgr
        self.pad_size_divisor = pad_size_divisor
        self.pad_value = pad_value

    def _convert(self, images: torch.Tensor, channel_dim: int) -> torch.Tensor:
        """Swap channels, make float and normalise one CHW image or an NCHW batch."""
        channels = images.shape[channel_dim]
        if self._channel_conversion:
            if channels != 3:
                raise ValueError(
                    f"bgr_to_rgb/rgb_to_bgr need 3-channel images, got shape {tuple(images.shape)}"
                )
            images = images.flip(channel_dim)
        images = images.float()  # after the swap: moving uint8 channels is cheaper
        if self._enable_normalize:
            if self.mean.shape[0] == 3 and channels != 3:
                raise ValueError(
                    f"a 3-value mean/std needs 3-channel images, got shape "
                    f"{tuple(images.shape)}; pass 1-value mean/std for gray images"
                )
            images = (images - self.mean) / self.std
        return images

    def forward(self, data: dict, training: bool = False) -> dict:
        """Cast ``data`` to the device and turn ``data['inputs']`` into a padded NCHW batch."""
        if not isinstance(data, Mapping) or "inputs" not in data:
            raise TypeError(
                f"ImgDataPreprocessor takes a dict with an 'inputs' key (and optionally "
                f"'data_samples'), got {type(data).__name__}"
                + (f" with keys {list(data)}" if isinstance(data, Mapping) else "")
                + "; collate the dataset's samples into dict(inputs=..., data_samples=...)"
            )
        data = self.cast_data(data)
        inputs = data["inputs"]
        if isinstance(inputs, torch.Tensor):
            if inputs.dim() != 4:
                raise ValueError(
                    f"ImgDataPreprocessor takes an NCHW tensor or a list of CHW tensors, got a "
                    f"tensor of shape {tuple(inputs.shape)}"
                )
            inputs = self._convert(inputs, 1)
            height, width = inputs.shape[2:]
            pad_h = math.ceil(height / self.pad_size_divisor) * self.pad_size_divisor - height
            pad_w = math.ceil(width / self.pad_size_divisor) * self.pad_size_divisor - width
            batch = F.pad(inputs, (0, pad_w, 0, pad_h), "constant", self.pad_value)
        elif (
            isinstance(inputs, Sequence)
            and inputs
            and all(isinstance(x, torch.Tensor) and x.dim() == 3 for x in inputs)
        ):
            batch = stack_batch(
                [self._convert(image, 0) for image in inputs],
                self.pad_size_divisor,
                self.pad_value,
            )
        else:
            raise TypeError(
                f"data['inputs'] must be an NCHW tensor or a non-empty list of CHW tensors, "
                f"got {_describe(inputs)}"
            )
        data["inputs"] = batch
        data.setdefault("data_samples", None)
        return data
