"""MMEngine's pure-Python configs: ``with read_base():`` bases and lazily imported objects."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from config_parity import CORPUS

from treadle.config import Config, ConfigDict, ConfigParsingError
from treadle.registry import TRANSFORMS


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_lazy_values_are_dotted_names_in_to_dict_and_objects_when_read() -> None:
    cfg = Config.fromfile(CORPUS / "pure" / "child.py")
    plain = cfg.to_dict()
    assert plain["optim_wrapper"]["optimizer"]["type"] == "torch.optim.SGD"
    assert "nn" not in plain and "Dataset" not in plain and "read_base" not in plain
    assert "nn" in cfg.to_dict(keep_imported=True)
    assert isinstance(cfg.model.backbone, ConfigDict)
    # reading a value imports it; a missing package says which import and where
    with pytest.raises(ImportError, match=r"mmpretrain\.datasets.*child\.py, line 9"):
        cfg.dataset.type  # noqa: B018


def test_lazy_import_is_not_run_while_loading(tmp_path: Path) -> None:
    path = write(
        tmp_path / "cfg.py",
        "from treadle_test_module_that_does_not_exist import Thing\nthing = dict(type=Thing)\n",
    )
    cfg = Config.fromfile(path)
    assert cfg.to_dict() == {"thing": {"type": "treadle_test_module_that_does_not_exist.Thing"}}
    assert "treadle_test_module_that_does_not_exist" not in sys.modules


def test_lazy_objects_build_on_access_and_through_registries(tmp_path: Path) -> None:
    path = write(
        tmp_path / "cfg.py",
        "from mmengine.config import read_base\n"
        "import numpy as np\n"
        "from treadle_vision.transforms import RandomFlip\n"
        "dtype = np.float32\n"
        "flip = dict(type=RandomFlip, prob=1.0)\n",
    )
    cfg = Config.fromfile(path)
    assert cfg.to_dict() == {
        "dtype": "numpy.float32",
        "flip": {"type": "treadle_vision.transforms.RandomFlip", "prob": 1.0},
    }
    assert cfg.dtype is np.float32
    flip = TRANSFORMS.build(cfg.flip)
    assert type(flip).__name__ == "RandomFlip" and flip.prob == 1.0


def test_base_names_and_star_imports(tmp_path: Path) -> None:
    write(tmp_path / "_base_" / "a.py", "x = 1\ny = dict(z=2)\n")
    child = write(
        tmp_path / "child.py",
        "from treadle.config import read_base\n"
        "with read_base():\n"
        "    from ._base_.a import y as renamed\n"
        "renamed.z = 3\n",
    )
    assert Config.fromfile(child).to_dict() == {"renamed": {"z": 3}}


def test_missing_base_module_is_named(tmp_path: Path) -> None:
    child = write(
        tmp_path / "child.py",
        "from mmengine.config import read_base\nwith read_base():\n    from .nope import *\n",
    )
    with pytest.raises(ConfigParsingError, match=r"'\.nope' resolves to .*nope\.py"):
        Config.fromfile(child)


def test_star_import_of_a_library_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "cfg.py", "from numpy import *\n")
    with pytest.raises(ConfigParsingError, match=r"cfg\.py:1.*import \*"):
        Config.fromfile(path)


def test_fromstring_and_cycles(tmp_path: Path) -> None:
    cfg = Config.fromstring("from torch.optim import SGD\nopt = dict(type=SGD)\n", ".py")
    assert cfg.to_dict() == {"opt": {"type": "torch.optim.SGD"}}
    write(
        tmp_path / "a.py",
        "from treadle.config import read_base\nwith read_base():\n    from .b import *\n",
    )
    write(
        tmp_path / "b.py",
        "from treadle.config import read_base\nwith read_base():\n    from .a import *\n",
    )
    with pytest.raises(RecursionError, match=r"a\.py -> .*b\.py -> .*a\.py"):
        Config.fromfile(tmp_path / "a.py")
