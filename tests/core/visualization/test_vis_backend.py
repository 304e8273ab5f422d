"""LocalVisBackend writes real files; BaseVisBackend's lazy-init contract for plugins."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from treadle.config import Config
from treadle.registry import VISBACKENDS
from treadle.visualization import BaseVisBackend, LocalVisBackend, force_init_env
from treadle.visualization.png import encode_png


def test_nothing_is_created_before_first_use(tmp_path):
    backend = LocalVisBackend(str(tmp_path / "vis_data"))
    assert not (tmp_path / "vis_data").exists()
    assert backend.experiment is backend
    assert (tmp_path / "vis_data").is_dir()


def test_scalars_are_one_json_object_per_line(tmp_path):
    backend = VISBACKENDS.build(dict(type="LocalVisBackend", save_dir=str(tmp_path)))
    backend.add_scalar("loss", torch.tensor(0.5), step=1)
    backend.add_scalars({"acc": np.float64(0.75), "lr": 0.01}, step=2)
    backend.add_scalars({"acc": 0.8, "step": 7}, step=3, file_path="20260101_000000.json")
    lines = (tmp_path / "scalars.json").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"loss": 0.5, "step": 1},
        {"acc": 0.75, "lr": 0.01, "step": 2},
        {"acc": 0.8, "step": 7},  # an explicit step in the dict wins, as in MMEngine
    ]
    extra = (tmp_path / "20260101_000000.json").read_text().splitlines()
    assert [json.loads(line) for line in extra] == [{"acc": 0.8, "step": 7}]


def test_scalar_errors_are_named(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    with pytest.raises(ValueError, match="is the scalars file itself"):
        backend.add_scalars({"a": 1}, file_path="scalars.json")
    with pytest.raises(ValueError, match=r"must end in \.json"):
        backend.add_scalars({"a": 1}, file_path="x.txt")
    with pytest.raises(TypeError, match="cannot write a value of type object to scalars"):
        backend.add_scalars({"a": object()})
    with pytest.raises(ValueError, match=r"scalar_save_file must end in \.json"):
        LocalVisBackend(str(tmp_path), scalar_save_file="scalars.txt")


def test_config_is_dumped_and_loads_back(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    backend.add_config(Config(dict(model=dict(type="ResNet", depth=18), lr=0.1)))
    assert Config.fromfile(str(tmp_path / "config.py")).to_dict() == {
        "model": {"type": "ResNet", "depth": 18},
        "lr": 0.1,
    }
    with pytest.raises(TypeError, match=r"takes a treadle\.config\.Config"):
        backend.add_config({"lr": 0.1})


def test_images_are_png_files_with_the_same_pixels(tmp_path, png_pixels):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(7, 9, 3), dtype=np.uint8)
    backend = LocalVisBackend(str(tmp_path))
    backend.add_image("sample", rgb, step=3)
    assert np.array_equal(png_pixels(tmp_path / "vis_image" / "sample_3.png"), rgb)

    grey = rng.integers(0, 256, size=(4, 5), dtype=np.uint8)
    backend.add_image("grey", grey)
    assert np.array_equal(png_pixels(tmp_path / "vis_image" / "grey_0.png")[:, :, 0], grey)
    with pytest.raises(ValueError, match="'bad' must be uint8"):
        backend.add_image("bad", rgb.astype(np.float32))
    with pytest.raises(ValueError, match=r"'bad' must be H x W.*\(7, 9, 5\)"):
        backend.add_image("bad", np.zeros((7, 9, 5), np.uint8))


def test_the_zlib_encoder_round_trips_rgba(tmp_path, png_pixels):
    rgba = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / "x.png"
    path.write_bytes(encode_png(rgba))
    assert np.array_equal(png_pixels(path), rgba)


@VISBACKENDS.register_module()
class ListVisBackend(BaseVisBackend):
    """A backend written as a plugin would: it records into a list opened by _init_env."""

    def _init_env(self) -> None:
        self.records: list[tuple] = [("init", self._save_dir)]

    @property
    @force_init_env
    def experiment(self) -> list[tuple]:
        return self.records

    @force_init_env
    def add_scalars(self, scalar_dict, step=0, file_path=None, **kwargs) -> None:
        self.records.append(("scalars", dict(scalar_dict), step, file_path))

    def close(self) -> None:
        if self._env_initialized:
            self.records.append(("closed",))


def test_plugin_backend_contract():
    backend = ListVisBackend("somewhere")
    assert not backend._env_initialized and not hasattr(backend, "records")
    backend.close()  # never initialised: nothing to release
    backend.add_image("ignored", np.zeros((2, 2, 3), np.uint8))  # optional: the base does nothing
    backend.add_scalars({"a": 1}, step=2)
    backend.add_scalars({"a": 2}, step=3)
    backend.close()
    assert backend.experiment == [
        ("init", "somewhere"),
        ("scalars", {"a": 1}, 2, None),
        ("scalars", {"a": 2}, 3, None),
        ("closed",),
    ]
    with pytest.raises(TypeError, match="abstract"):
        BaseVisBackend("x")


def test_force_init_env_needs_init_env():
    class NoInit:
        @force_init_env
        def write(self):
            return "written"

    with pytest.raises(AttributeError, match="NoInit uses @force_init_env but has no _init_env"):
        NoInit().write()
