"""The installed torch's version string, under MMEngine's name."""

from __future__ import annotations

import torch

#: ``torch.__version__`` (a ``TorchVersion``: a str that compares with version strings)
TORCH_VERSION = torch.__version__
