"""``PixelData``: per-pixel fields (segmentation maps, heatmaps) sharing one height and width."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from treadle.structures.base_data_element import BaseDataElement


class PixelData(BaseDataElement):
    """Data fields shaped ``(C, H, W)`` with a common ``(H, W)``; sliceable in space.

    A 2-D ``(H, W)`` value gets a channel dimension and is stored as ``(1, H, W)``.
    ``pixel_data[y, x]`` and ``pixel_data[y0:y1, x0:x1]`` select a region of every field.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("_metainfo_fields", "_data_fields"):
            super().__setattr__(name, value)
            return
        if not isinstance(value, (torch.Tensor, np.ndarray)):
            raise TypeError(
                f"PixelData field {name!r} must be a torch.Tensor or numpy.ndarray, "
                f"got {type(value).__name__}"
            )
        if value.ndim not in (2, 3):
            raise ValueError(
                f"PixelData field {name!r} must be 2-D (H, W) or 3-D (C, H, W), "
                f"got {value.ndim}-D with shape {tuple(value.shape)}"
            )
        shape = self.shape
        if shape is not None and tuple(value.shape[-2:]) != shape:
            raise ValueError(
                f"PixelData field {name!r} has height and width {tuple(value.shape[-2:])}, "
                f"but this PixelData is {shape}; all fields must share (H, W)"
            )
        super().__setattr__(name, value[None] if value.ndim == 2 else value)

    @property
    def shape(self) -> tuple[int, int] | None:
        """``(H, W)`` of the data fields, or None when there are none."""
        keys = self.keys()
        return tuple(getattr(self, keys[0]).shape[-2:]) if keys else None

    def __getitem__(self, item: tuple[int | slice, int | slice]) -> PixelData:
        if not isinstance(item, tuple) or len(item) != 2:
            raise TypeError(
                "PixelData is indexed by (height, width), e.g. data[10, 20] or data[0:8, 4:12]; "
                f"got {item!r}"
            )
        shape = self.shape or (0, 0)
        spatial = []
        for axis, (index, size) in enumerate(zip(item, shape, strict=True)):
            if isinstance(index, bool) or not isinstance(index, (int, slice)):
                raise TypeError(
                    f"PixelData index along axis {axis} must be int or slice, "
                    f"got {type(index).__name__}"
                )
            if isinstance(index, int):
                if not -size <= index < size:
                    raise IndexError(f"index {index} is out of range for size {size}")
                start = index % size
                index = slice(start, start + 1)  # keep the dimension
            spatial.append(index)
        region = self.__class__(metainfo=self.metainfo)
        for key, value in self.items():
            setattr(region, key, value[(slice(None), *spatial)])
        return region
