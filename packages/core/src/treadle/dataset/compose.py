"""``Compose``: a data pipeline, i.e. transforms applied one after another to a dict."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from treadle.registry import TRANSFORMS


@TRANSFORMS.register_module()
class Compose:
    """Apply ``transforms`` in order; cfg dicts are built from the ``TRANSFORMS`` registry.

    A transform returning ``None`` (an unreadable image, no valid crop ...) stops
    the pipeline and makes ``Compose`` return ``None``, so the dataset can fetch
    another sample instead.
    """

    def __init__(
        self,
        transforms: dict | Callable | Sequence[dict | Callable] | None,
    ) -> None:
        if transforms is None:
            transforms = []
        elif isinstance(transforms, dict) or not isinstance(transforms, Sequence):
            transforms = [transforms]
        self.transforms: list[Callable[[Any], Any]] = []
        for position, transform in enumerate(transforms):
            if isinstance(transform, dict):
                transform = TRANSFORMS.build(transform)
                if not callable(transform):
                    raise TypeError(
                        f"pipeline[{position}] built from TRANSFORMS is not callable: got "
                        f"{type(transform).__name__}; a transform must define __call__"
                    )
            elif not callable(transform):
                raise TypeError(
                    f"pipeline[{position}] must be a callable or a cfg dict with 'type', "
                    f"got {type(transform).__name__}: {transform!r}"
                )
            self.transforms.append(transform)

    def __call__(self, data: Any) -> Any:
        for transform in self.transforms:
            data = transform(data)
            if data is None:
                return None
        return data

    def __repr__(self) -> str:
        inner = "".join(f"\n    {transform}" for transform in self.transforms)
        return f"{type(self).__name__}({inner}\n)"
