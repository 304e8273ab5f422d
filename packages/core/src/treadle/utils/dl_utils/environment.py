"""``collect_env``: the facts about this machine and its packages a bug report needs."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import sysconfig
from collections import OrderedDict, defaultdict
from typing import Any

import numpy as np
import torch


def _first_line_of(command: list[str], marker: str = "") -> str | None:
    """The first output line of ``command`` containing ``marker``, or None if it fails."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = [line.strip() for line in result.stdout.splitlines() if marker in line]
    return lines[0] if lines else None


def _compiler() -> str:
    """The C compiler Python was built with, as its ``--version`` names itself."""
    cc = sysconfig.get_config_var("CC")
    if not cc:
        return "n/a"
    return _first_line_of([cc.split()[0], "--version"]) or "n/a"


def _cuda_facts() -> dict[str, Any]:
    """GPU names by index, the toolkit's home and compiler, and cuDNN's version."""
    facts: dict[str, Any] = {}
    indices: dict[str, list[str]] = defaultdict(list)
    for index in range(torch.cuda.device_count()):
        indices[torch.cuda.get_device_name(index)].append(str(index))
    for name, ids in indices.items():
        facts[f"GPU {','.join(ids)}"] = name
    from torch.utils import cpp_extension

    rocm = torch.version.hip is not None
    home = cpp_extension.ROCM_HOME if rocm else cpp_extension.CUDA_HOME
    facts["CUDA_HOME"] = home
    if home is not None and os.path.isdir(home):
        if rocm:
            command, marker = [os.path.join(home, "bin", "hipcc"), "--version"], "HIP version"
        else:
            command, marker = [os.path.join(home, "bin", "nvcc"), "-V"], "release"
        facts["NVCC"] = _first_line_of(command, marker) or "Not Available"
    facts["cuDNN"] = torch.backends.cudnn.version()
    return facts


def _installed_version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def collect_env() -> OrderedDict[str, Any]:
    """Platform, Python, accelerators (GPUs, CUDA toolkit, cuDNN), C compiler, and the
    versions of torch (with its build configuration), torchvision and OpenCV when
    installed, NumPy and Treadle, in the order MMEngine reports them."""
    from treadle import __version__
    from treadle.device import is_cuda_available, is_musa_available

    info: OrderedDict[str, Any] = OrderedDict()
    info["sys.platform"] = sys.platform
    info["Python"] = sys.version.replace("\n", "")
    cuda = is_cuda_available()
    info["CUDA available"] = cuda
    info["MUSA available"] = is_musa_available()
    info["numpy_random_seed"] = int(np.random.get_state()[1][0])
    if cuda:
        info.update(_cuda_facts())
    info["GCC"] = _compiler()
    info["PyTorch"] = torch.__version__
    info["PyTorch compiling details"] = torch.__config__.show()
    torchvision = _installed_version("torchvision")
    if torchvision is not None:
        info["TorchVision"] = torchvision
    try:
        import cv2
    except ImportError:
        pass
    else:
        info["OpenCV"] = cv2.__version__
    info["NumPy"] = np.__version__
    info["Treadle"] = __version__
    return info
