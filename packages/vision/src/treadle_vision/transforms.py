"""Data transforms on the ``results`` dicts of a data pipeline."""

from __future__ import annotations

from typing import Any

import numpy as np

from treadle_vision.registry import TRANSFORMS

_AXES = {"horizontal": 1, "vertical": 0}


@TRANSFORMS.register_module()
class RandomFlip:
    """Flip ``results['img']`` (H, W[, C]) with probability ``prob``.

    Records ``flip`` and ``flip_direction`` in the results, as mmcv's RandomFlip does.
    """

    def __init__(self, prob: float = 0.5, direction: str = "horizontal", seed: int | None = None):
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f"prob must lie in [0, 1], got {prob}")
        if direction not in _AXES:
            raise ValueError(f"direction must be one of {sorted(_AXES)}, got {direction!r}")
        self.prob = prob
        self.direction = direction
        self._rng = np.random.default_rng(seed)

    def __call__(self, results: dict[str, Any]) -> dict[str, Any]:
        flip = bool(self._rng.random() < self.prob)
        if flip:
            results["img"] = np.flip(results["img"], axis=_AXES[self.direction]).copy()
        results["flip"] = flip
        results["flip_direction"] = self.direction if flip else None
        return results

    def __repr__(self) -> str:
        return f"{type(self).__name__}(prob={self.prob}, direction={self.direction!r})"
