"""Write uint8 images as PNG: with OpenCV when it is installed, else with zlib.

The fallback is a plain PNG encoder (no row filters, deflate via zlib), enough for
the visualizer's images without making OpenCV a dependency of the core.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

_COLOUR_TYPES = {1: 0, 3: 2, 4: 6}  # channels -> PNG colour type (grey, RGB, RGBA)


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def encode_png(image: Any) -> bytes:
    """PNG bytes of an ``H x W`` (grey) or ``H x W x C`` uint8 array (C: 1, 3 RGB or 4 RGBA)."""
    import numpy as np

    image = np.ascontiguousarray(image)
    if image.ndim == 2:
        image = image[:, :, None]
    height, width, channels = image.shape
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOUR_TYPES[channels], 0, 0, 0)
    rows = np.zeros((height, 1 + width * channels), dtype=np.uint8)  # filter byte 0: none
    rows[:, 1:] = image.reshape(height, width * channels)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
        + _chunk(b"IEND", b"")
    )


def check_image(name: str, image: Any) -> Any:
    """``image`` as a numpy array, or a ValueError naming ``name`` and what is wrong."""
    import numpy as np

    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"image {name!r} must be uint8 (0-255), got dtype {image.dtype}")
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in _COLOUR_TYPES):
        raise ValueError(
            f"image {name!r} must be H x W or H x W x C with C in 1, 3 (RGB) or 4 (RGBA), "
            f"got shape {image.shape}"
        )
    return image


def write_png(path: str, image: Any) -> None:
    """Write an RGB(A)/grey uint8 image to ``path`` (OpenCV if importable, else zlib)."""
    try:
        import cv2
    except ImportError:
        with open(path, "wb") as file:
            file.write(encode_png(image))
        return
    if image.ndim == 3 and image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    elif image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_RGBA2BGRA)
    if not cv2.imwrite(path, image):
        raise OSError(f"OpenCV could not write the image {path}")
