"""``from mmengine.utils.dl_utils import X`` becomes ``from treadle.utils.dl_utils import X``."""

import fractions
import http.server
import importlib.util
import json
import logging
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from support.servers import serve_directory
from torch import nn

import treadle
import treadle.utils
import treadle.utils.dl_utils as dl_utils
from treadle.utils.dl_utils import (
    TORCH_VERSION,
    TimeCounter,
    collect_env,
    has_batch_norm,
    is_jit_tracing,
    is_norm,
    load_url,
    tensor2imgs,
    torch_meshgrid,
)

# mmengine.utils.dl_utils.__all__ in MMEngine 0.10.7
MMENGINE_DL_UTILS = [
    "load_url",
    "TORCH_VERSION",
    "set_multi_processing",
    "has_batch_norm",
    "is_norm",
    "tensor2imgs",
    "mmcv_full_available",
    "collect_env",
    "torch_meshgrid",
    "is_jit_tracing",
    "TimeCounter",
]


# --- exports and import cost -------------------------------------------------------------


def test_every_mmengine_name_resolves():
    assert dl_utils.__all__ == sorted(MMENGINE_DL_UTILS)
    for name in MMENGINE_DL_UTILS:
        value = getattr(dl_utils, name)
        if name != "TORCH_VERSION":
            assert value.__module__.startswith("treadle.utils.dl_utils."), name
    assert not set(MMENGINE_DL_UTILS) & set(treadle.utils.__all__)


def test_importing_the_package_loads_no_torch(python):
    out = python(
        "import sys, json, treadle.utils, treadle.utils.dl_utils\n"
        "light = 'torch' not in sys.modules\n"
        "from treadle.utils.dl_utils import is_norm\n"
        "print(json.dumps([light, 'torch' in sys.modules]))"
    ).stdout
    assert json.loads(out) == [True, True]


def test_torch_version_is_the_installed_one():
    assert torch.__version__ == TORCH_VERSION
    assert TORCH_VERSION > "1.10.0"  # compares as a version, not as text ("2" > "10")


# --- collect_env ---------------------------------------------------------------------------


def test_collect_env_reports_this_environment():
    np.random.seed(1234)
    env = collect_env()
    assert list(env)[:5] == [
        "sys.platform",
        "Python",
        "CUDA available",
        "MUSA available",
        "numpy_random_seed",
    ]
    assert env["sys.platform"] == sys.platform
    assert env["Python"].split()[0] == sys.version.split()[0]
    assert env["CUDA available"] is torch.cuda.is_available()
    assert env["numpy_random_seed"] == 1234
    assert env["PyTorch"] == torch.__version__
    assert env["PyTorch compiling details"] == torch.__config__.show()
    assert env["NumPy"] == np.__version__
    assert env["Treadle"] == treadle.__version__
    assert ("OpenCV" in env) is (importlib.util.find_spec("cv2") is not None)
    assert ("cuDNN" in env) is torch.cuda.is_available()
    assert any(key.startswith("GPU ") for key in env) is torch.cuda.is_available()
    assert isinstance(env["GCC"], str) and env["GCC"]
    assert list(env)[-2:] == ["NumPy", "Treadle"]


# --- set_multi_processing ----------------------------------------------------------------

_SET_MP = """
import json, os, warnings
import torch.multiprocessing as mp
from treadle.utils.dl_utils import set_multi_processing
for name in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.pop(name, None)
os.environ.update({preset})
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter('always')
    {calls}
print(json.dumps(dict(
    method=mp.get_start_method(allow_none=True),
    omp=os.environ.get('OMP_NUM_THREADS'),
    mkl=os.environ.get('MKL_NUM_THREADS'),
    warnings=[str(w.message) for w in caught],
)))
"""


def _set_mp(python, calls: str, preset: dict[str, str] | None = None) -> dict:
    code = _SET_MP.format(calls=calls, preset=preset or {})
    return json.loads(python(code).stdout)


def test_distributed_processes_get_one_thread_each_unless_set(python):
    out = _set_mp(
        python,
        "set_multi_processing('spawn', distributed=True)",
        preset={"MKL_NUM_THREADS": "3"},
    )
    assert out["method"] == "spawn"
    assert (out["omp"], out["mkl"]) == ("1", "3")
    assert len(out["warnings"]) == 1 and "OMP_NUM_THREADS" in out["warnings"][0]


def test_single_process_keeps_thread_variables_unset(python):
    out = _set_mp(python, "set_multi_processing()")
    assert out == {"method": "fork", "omp": None, "mkl": None, "warnings": []}


def test_changing_the_start_method_warns_and_applies(python):
    out = _set_mp(python, "set_multi_processing('spawn'); set_multi_processing('forkserver')")
    assert out["method"] == "forkserver"
    assert len(out["warnings"]) == 1
    assert "'spawn'" in out["warnings"][0] and "'forkserver'" in out["warnings"][0]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(mp_start_method="threads"), ValueError, "'threads' is not available"),
        (dict(opencv_num_threads="2"), TypeError, "opencv_num_threads must be an int, got '2'"),
    ],
)
def test_set_multi_processing_names_bad_arguments(python, kwargs, error, match):
    result = python(
        "from treadle.utils.dl_utils import set_multi_processing\n"
        f"set_multi_processing(**{kwargs!r})",
        check=False,
    )
    assert result.returncode != 0
    assert error.__name__ in result.stderr and re.search(match, result.stderr)


# --- norms -----------------------------------------------------------------------------------


def test_has_batch_norm_looks_through_nested_modules():
    nested = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Sequential(nn.ReLU(), nn.BatchNorm2d(4)))
    assert has_batch_norm(nested) is True
    assert has_batch_norm(nn.SyncBatchNorm(4)) is True
    assert has_batch_norm(nn.Sequential(nn.Conv2d(3, 4, 3), nn.GroupNorm(2, 4))) is False
    with pytest.raises(TypeError, match=r"nn\.Module, got list"):
        has_batch_norm([nn.BatchNorm2d(4)])


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        (nn.BatchNorm1d(4), True),
        (nn.SyncBatchNorm(4), True),
        (nn.InstanceNorm2d(4), True),
        (nn.GroupNorm(2, 4), True),
        (nn.LayerNorm(4), True),
        (nn.Conv2d(4, 4, 1), False),
        (nn.LocalResponseNorm(2), False),
    ],
)
def test_is_norm(layer, expected):
    assert is_norm(layer) is expected


def test_is_norm_exclude():
    assert is_norm(nn.BatchNorm2d(4), exclude=nn.BatchNorm2d) is False
    assert is_norm(nn.BatchNorm2d(4), exclude=(nn.GroupNorm, nn.LayerNorm)) is True
    assert is_norm(nn.GroupNorm(2, 4), exclude=(nn.GroupNorm,)) is False
    assert is_norm(nn.BatchNorm2d(4), exclude=()) is True
    with pytest.raises(TypeError, match="got 'bn'"):
        is_norm(nn.BatchNorm2d(4), exclude="bn")
    with pytest.raises(TypeError, match=r"got \(<class .*BatchNorm2d'>, 3\)"):
        is_norm(nn.BatchNorm2d(4), exclude=(nn.BatchNorm2d, 3))


# --- torch ops -----------------------------------------------------------------------------


def test_torch_meshgrid_is_ij_indexed_without_warning():
    xs, ys = torch.tensor([1, 2]), torch.tensor([10, 20, 30])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grid_x, grid_y = torch_meshgrid(xs, ys)
    assert grid_x.shape == grid_y.shape == (2, 3)
    assert grid_x[:, 0].tolist() == [1, 2] and grid_y[0].tolist() == [10, 20, 30]


class _RecordsTracing(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[bool] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append(is_jit_tracing())
        return x + 1


@pytest.mark.filterwarnings("ignore:`torch.jit.trace:DeprecationWarning")
def test_is_jit_tracing_only_inside_a_trace():
    module = _RecordsTracing()
    module(torch.zeros(2))
    traced = torch.jit.trace(module, torch.zeros(2), check_trace=False)
    assert module.seen == [False, True]
    assert traced(torch.ones(2)).tolist() == [2.0, 2.0]
    assert is_jit_tracing() is False


# --- TimeCounter ---------------------------------------------------------------------------


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def logged():
    logger = logging.getLogger(f"test_dl_utils.{id(object())}")
    logger.setLevel(logging.INFO)
    handler = _ListHandler()
    logger.addHandler(handler)
    return logger, handler.messages


_MEAN = re.compile(r"^\[(\w+)\] mean time per run over (\d+) runs: ([\d.]+) ms$")


def test_time_counter_logs_the_mean_after_warmup(logged):
    logger, messages = logged

    @TimeCounter(log_interval=2, warmup_interval=2, logger=logger)
    def nap(seconds: float) -> str:
        import time

        time.sleep(seconds)
        return "rested"

    assert nap.__name__ == "nap"
    assert [nap(0.002) for _ in range(5)] == ["rested"] * 5
    parsed = [_MEAN.match(message).groups() for message in messages]
    assert [(tag, int(runs)) for tag, runs, _ in parsed] == [("nap", 1), ("nap", 3)]
    assert all(float(ms) >= 2.0 for _, _, ms in parsed)  # each run slept at least 2 ms


def test_time_counter_as_a_context_manager(logged):
    logger, messages = logged
    for _ in range(3):
        with TimeCounter(tag="block-test", logger=logger, log_interval=3) as counter:
            pass
    assert counter is TimeCounter(tag="block-test")  # one counter per tag
    assert len(messages) == 1 and messages[0].startswith("[block-test] ")
    assert "over 3 runs" in messages[0]


def test_time_counter_bad_arguments():
    with pytest.raises(ValueError, match="needs a tag"), TimeCounter():
        pass
    with pytest.raises(ValueError, match="log_interval must be an int >= 1, got 0"):
        TimeCounter(log_interval=0)
    with pytest.raises(ValueError, match=r"warmup_interval must be an int >= 1, got 1\.5"):
        TimeCounter(warmup_interval=1.5)


@pytest.mark.slow
def test_time_counter_times_on_rank_zero_only(tmp_path, launch_ranks):
    worker = Path(__file__).with_name("time_counter_ranks_worker.py")
    launch_ranks([sys.executable, str(worker), str(tmp_path)])
    rank0, rank1 = (json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1))
    assert rank0["results"] == rank1["results"] == [6, 8]
    assert rank0["is_original"] is False and len(rank0["logged"]) == 3
    assert rank1["is_original"] is True and rank1["logged"] == []


# --- tensor2imgs ----------------------------------------------------------------------------


def test_tensor2imgs_undoes_normalisation_and_swaps_to_bgr():
    batch = torch.arange(24, dtype=torch.float32).view(2, 3, 2, 2)
    images = tensor2imgs(batch, mean=(1, 2, 3), std=(2, 2, 2))
    assert len(images) == 2 and images[0].shape == (2, 2, 3)
    # pixel (0, 0) of image 1 is (12, 16, 20) in RGB -> times 2 plus mean -> reversed
    assert images[1][0, 0].tolist() == [20 * 2 + 3, 16 * 2 + 2, 12 * 2 + 1]
    assert all(image.flags["C_CONTIGUOUS"] for image in images)
    rgb = tensor2imgs(batch, to_bgr=False)
    assert rgb[1][0, 0].tolist() == [12.0, 16.0, 20.0]


def test_tensor2imgs_gray():
    gray = tensor2imgs(torch.ones(1, 1, 2, 3), mean=(0.5,), std=(0.25,), to_bgr=False)
    assert gray[0].shape == (2, 3, 1) and np.allclose(gray[0], 0.75)


@pytest.mark.parametrize(
    ("tensor", "kwargs", "match"),
    [
        (torch.zeros(3, 2, 2), {}, r"\(N, C, H, W\) tensor, got \(3, 2, 2\)"),
        (np.zeros((1, 3, 2, 2)), {}, "got ndarray"),
        (torch.zeros(1, 2, 2, 2), {}, "1 or 3 channels, got 2"),
        (torch.zeros(1, 3, 2, 2), dict(mean=(0, 0)), "one value per channel"),
        (torch.zeros(1, 1, 2, 2), {}, "pass to_bgr=False"),
    ],
)
def test_tensor2imgs_bad_input(tensor, kwargs, match):
    with pytest.raises(ValueError, match=match):
        tensor2imgs(tensor, **kwargs)


# --- load_url ------------------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path):
    root = tmp_path / "served"
    root.mkdir()
    torch.save({"weight": torch.arange(4.0)}, root / "weights.pth")
    torch.save({"ratio": fractions.Fraction(1, 3)}, root / "pickled.pth")
    with serve_directory(_QuietHandler, root) as base:
        yield base, tmp_path / "cache"


def test_load_url_downloads_once_then_uses_the_cache(served):
    base, cache = served
    state = load_url(f"{base}/weights.pth", model_dir=str(cache), progress=False)
    assert state["weight"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert (cache / "weights.pth").is_file()
    # the server has no missing.pth: a cached file of that name is loaded without a request
    again = load_url(f"{base}/missing.pth", model_dir=str(cache), file_name="weights.pth")
    assert torch.equal(again["weight"], state["weight"])


def test_load_url_reads_file_urls(tmp_path):
    torch.save({"bias": torch.ones(2)}, tmp_path / "local.pth")
    state = load_url((tmp_path / "local.pth").as_uri(), model_dir=str(tmp_path / "cache"))
    assert state["bias"].tolist() == [1.0, 1.0]


def test_load_url_refuses_arbitrary_objects_unless_trusted(served):
    base, cache = served
    url = f"{base}/pickled.pth"
    with pytest.raises(Exception, match="weights_only=False only if you trust") as info:
        load_url(url, model_dir=str(cache), progress=False)
    assert info.type.__name__ == "UnpicklingError" and url in str(info.value)
    trusted = load_url(url, model_dir=str(cache), progress=False, weights_only=False)
    assert trusted["ratio"] == fractions.Fraction(1, 3)


def test_load_url_names_the_url_it_could_not_fetch(served):
    base, cache = served
    url = f"{base}/missing.pth"
    with pytest.raises(OSError, match=re.escape(url)) as info:
        load_url(url, model_dir=str(cache), progress=False)
    assert "404" in str(info.value)


def test_load_url_names_the_url_whose_hash_differs(served):
    base, cache = served
    url = f"{base}/weights.pth"
    with pytest.raises(RuntimeError, match=re.escape(url)):
        load_url(url, model_dir=str(cache), check_hash=True, file_name="weights-deadbeef.pth")


def test_load_url_rejects_a_non_string():
    with pytest.raises(TypeError, match="got PosixPath"):
        load_url(Path("weights.pth"))


# --- mmcv_full_available -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, False),  # no mmcv at all
        ({"__init__.py": ""}, False),  # mmcv-lite: no compiled ops
        ({"__init__.py": "", "_ext.py": ""}, True),  # stands where the compiled ops live
        ({"__init__.py": "raise ImportError('broken build')", "_ext.py": ""}, False),
    ],
)
def test_mmcv_full_available(tmp_path, python, files, expected):
    if files:
        (tmp_path / "mmcv").mkdir()
        for name, text in files.items():
            (tmp_path / "mmcv" / name).write_text(text)
    out = python(
        "from treadle.utils.dl_utils import mmcv_full_available\nprint(mmcv_full_available())",
        env_extra={"PYTHONPATH": str(tmp_path)},
    ).stdout
    assert out.strip() == str(expected)
