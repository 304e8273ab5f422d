"""``from mmengine.device import X`` becomes ``from treadle.device import X``."""

import json

import pytest
import torch

import treadle.device
from treadle.device import (
    get_device,
    get_max_cuda_memory,
    get_max_musa_memory,
    is_cuda_available,
    is_dipu_available,
    is_mlu_available,
    is_mps_available,
    is_musa_available,
    is_npu_available,
    is_npu_support_full_precision,
)

# mmengine.device.__all__ in MMEngine 0.10.7
MMENGINE_DEVICE = [
    "get_max_cuda_memory",
    "get_device",
    "is_cuda_available",
    "is_mlu_available",
    "is_mps_available",
    "is_npu_available",
    "is_dipu_available",
    "get_max_musa_memory",
    "is_musa_available",
    "is_npu_support_full_precision",
]


def test_every_mmengine_name_is_exported():
    assert sorted(treadle.device.__all__) == sorted(MMENGINE_DEVICE)
    for name in MMENGINE_DEVICE:
        assert getattr(treadle.device, name).__module__.startswith("treadle.device."), name


def test_device_is_an_attribute_of_the_lazy_top_level(python):
    out = python(
        "import sys, json, treadle\n"
        "before = 'torch' in sys.modules\n"
        "print(json.dumps([before, treadle.device.get_device(), treadle.device.__name__]))"
    ).stdout
    before, device, name = json.loads(out)
    assert before is False
    assert name == "treadle.device"
    assert device == get_device()


def test_probes_report_what_this_torch_offers():
    assert is_cuda_available() is torch.cuda.is_available()
    assert is_mps_available() is torch.backends.mps.is_available()
    for probe, backend in (
        (is_npu_available, "npu"),
        (is_mlu_available, "mlu"),
        (is_musa_available, "musa"),
        (is_dipu_available, "dipu"),
    ):
        assert probe() is (hasattr(torch, backend) and torch.__dict__[backend].is_available())
    assert is_npu_support_full_precision() is False or is_npu_available()


def test_get_device_picks_cuda_else_cpu_here():
    expected = "cuda" if torch.cuda.is_available() else "mps" if is_mps_available() else "cpu"
    assert get_device() == expected


def test_a_vendor_backend_added_to_torch_is_seen(python):
    """What torch_musa does on import (adds ``torch.musa``) is what the probes read."""
    out = python(
        "import json, types, torch\n"
        "musa = types.ModuleType('torch.musa')\n"
        "musa.is_available = lambda: True\n"
        "musa.max_memory_allocated = lambda device=None: 5 * 1024 * 1024 + 7\n"
        "torch.musa = musa\n"
        "from treadle.device import get_device, get_max_musa_memory, is_musa_available\n"
        "print(json.dumps([is_musa_available(), get_device(), get_max_musa_memory()]))"
    ).stdout
    available, device, peak = json.loads(out)
    assert available is True
    assert device == ("cuda" if torch.cuda.is_available() else "musa")
    assert peak == 5  # bytes to whole MiB


def test_get_max_cuda_memory_measures_or_says_cuda_is_missing():
    if torch.cuda.is_available():
        block = torch.empty(16 * 1024 * 1024, dtype=torch.uint8, device="cuda")
        del block
        assert get_max_cuda_memory() >= 16  # the peak outlives the block
        assert get_max_cuda_memory() < 16  # the first call reset the peak
    else:
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            get_max_cuda_memory()


@pytest.mark.parametrize(
    ("device", "error", "match"),
    [
        ("cpu", ValueError, "'cpu' is a cpu device; pass a cuda device"),
        (torch.device("meta"), ValueError, "is a meta device"),
        ("gpu:0", ValueError, "'gpu:0' is not a valid device"),
        (True, TypeError, "got True"),
        (1.5, TypeError, "got 1.5"),
    ],
)
def test_get_max_cuda_memory_names_a_bad_device(device, error, match):
    with pytest.raises(error, match=match):
        get_max_cuda_memory(device)


def test_get_max_musa_memory_without_musa_is_a_clear_error():
    assert not hasattr(torch, "musa")
    with pytest.raises(RuntimeError, match="no MUSA device is available"):
        get_max_musa_memory()
