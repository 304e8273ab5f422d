"""The ``vision`` children of the core's root registries."""

from treadle.registry import TRANSFORMS as _ROOT_TRANSFORMS

TRANSFORMS = _ROOT_TRANSFORMS.child("vision")
