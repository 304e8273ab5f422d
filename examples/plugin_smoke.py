"""Build a vision transform from a config dict, found through the installed plugin.

No ``import treadle_vision`` anywhere: the ``vision`` scope is discovered through
its entry point and loaded the first time it is named.
"""

import sys

import numpy as np

from treadle.registry import TRANSFORMS, DefaultScope

flip = TRANSFORMS.build(dict(type="vision.RandomFlip", prob=1.0))
image = np.arange(6).reshape(2, 3)
flipped = flip({"img": image})["img"]
print(f"built {flip!r} through the plugin; flipped rows: {image.tolist()} -> {flipped.tolist()}")
assert "treadle_vision" in sys.modules and "torch" not in sys.modules

with DefaultScope.overwrite_default_scope("vision"):
    unscoped = TRANSFORMS.build(dict(type="RandomFlip", direction="vertical"))
print(f"with default_scope='vision', type='RandomFlip' built {unscoped!r}")
