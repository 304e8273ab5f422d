"""Visualizer: built from VISUALIZERS, named instances, fan-out to several real backends."""

from __future__ import annotations

import json
import uuid

import numpy as np
import pytest

from treadle.config import Config
from treadle.registry import VISBACKENDS, VISUALIZERS
from treadle.visualization import BaseVisBackend, LocalVisBackend, Visualizer, force_init_env


def _name() -> str:
    return f"vis-{uuid.uuid4().hex}"


@VISBACKENDS.register_module()
class RecordingVisBackend(BaseVisBackend):
    """A second real backend type, keeping what it is given in memory."""

    def _init_env(self) -> None:
        self.calls: list[tuple] = []

    @property
    @force_init_env
    def experiment(self) -> list[tuple]:
        return self.calls

    @force_init_env
    def add_config(self, config, **kwargs) -> None:
        self.calls.append(("config", config.to_dict()))

    @force_init_env
    def add_image(self, name, image, step=0, **kwargs) -> None:
        self.calls.append(("image", name, image.shape, step))

    @force_init_env
    def add_scalar(self, name, value, step=0, **kwargs) -> None:
        self.calls.append(("scalar", name, value, step))

    @force_init_env
    def add_scalars(self, scalar_dict, step=0, file_path=None, **kwargs) -> None:
        self.calls.append(("scalars", dict(scalar_dict), step, file_path))

    def close(self) -> None:
        self.closed = True


def test_built_from_a_config_dict_as_a_runner_does(tmp_path):
    visualizer = VISUALIZERS.build(
        dict(
            type="Visualizer",
            name=_name(),
            vis_backends=[dict(type="LocalVisBackend"), dict(type="RecordingVisBackend")],
            save_dir=str(tmp_path),
        )
    )
    assert Visualizer.get_current_instance() is visualizer  # built through get_instance
    local = visualizer.get_backend("LocalVisBackend")
    recording = visualizer.get_backend("RecordingVisBackend")
    assert isinstance(local, LocalVisBackend) and isinstance(recording, RecordingVisBackend)
    assert visualizer.get_backend("missing") is None
    assert local._save_dir == str(tmp_path / "vis_data")

    config = Config(dict(lr=0.1))
    image = np.zeros((3, 4, 3), np.uint8)
    visualizer.add_config(config)
    visualizer.add_scalar("lr", 0.1, step=1)
    visualizer.add_scalars({"loss": 0.5}, step=2, file_path="run.json")
    visualizer.add_image("pic", image, step=3)
    visualizer.close()

    vis_data = tmp_path / "vis_data"
    assert Config.fromfile(str(vis_data / "config.py")).to_dict() == {"lr": 0.1}
    scalars = [json.loads(line) for line in (vis_data / "scalars.json").read_text().splitlines()]
    assert scalars == [{"lr": 0.1, "step": 1}, {"loss": 0.5, "step": 2}]
    assert json.loads((vis_data / "run.json").read_text()) == {"loss": 0.5, "step": 2}
    assert (vis_data / "vis_image" / "pic_3.png").is_file()
    assert recording.experiment == [
        ("config", {"lr": 0.1}),
        ("scalar", "lr", 0.1, 1),
        ("scalars", {"loss": 0.5}, 2, "run.json"),
        ("image", "pic", (3, 4, 3), 3),
    ]
    assert recording.closed


def test_backends_of_one_type_need_names(tmp_path):
    visualizer = Visualizer(
        _name(),
        vis_backends=[
            dict(type="LocalVisBackend", name="a", save_dir=str(tmp_path / "a")),
            dict(type="LocalVisBackend", name="b", save_dir=str(tmp_path / "b")),
        ],
        save_dir=str(tmp_path),
    )
    visualizer.add_scalars({"x": 1}, step=0)
    for sub in ("a", "b"):
        assert json.loads((tmp_path / sub / "scalars.json").read_text()) == {"x": 1, "step": 0}
    with pytest.raises(ValueError, match=r"\['LocalVisBackend'\] appear more than once"):
        Visualizer(
            _name(),
            vis_backends=[dict(type="LocalVisBackend"), dict(type="LocalVisBackend")],
            save_dir=str(tmp_path),
        )
    with pytest.raises(KeyError, match="has no 'type'"):
        Visualizer(_name(), vis_backends=[dict(name="x")], save_dir=str(tmp_path))
    with pytest.raises(ValueError, match="empty list"):
        Visualizer(_name(), vis_backends=[], save_dir=str(tmp_path))


def test_backend_instances_and_a_single_dict(tmp_path):
    backend = RecordingVisBackend("unused")
    visualizer = Visualizer(_name(), vis_backends=backend, save_dir=str(tmp_path))
    assert visualizer.get_backend("RecordingVisBackend") is backend
    single = Visualizer(
        _name(), vis_backends=dict(type="LocalVisBackend"), save_dir=str(tmp_path / "s")
    )
    single.add_scalar("y", 2)
    assert (tmp_path / "s" / "vis_data" / "scalars.json").is_file()


def test_without_save_dir_no_backend_is_built(tmp_path):
    with pytest.warns(UserWarning, match="save_dir is None"):
        visualizer = Visualizer(_name(), vis_backends=[dict(type="LocalVisBackend")])
    assert visualizer.get_backend("LocalVisBackend") is None
    visualizer.add_scalars({"a": 1})  # records nowhere, without error


def test_named_instances_and_dataset_meta():
    first = Visualizer.get_instance(_name())
    assert Visualizer.get_current_instance() is first
    second = Visualizer.get_instance(_name())
    assert Visualizer.get_current_instance() is second
    assert Visualizer.get_instance(first.instance_name) is first
    assert second.dataset_meta is None
    second.dataset_meta = {"classes": ("cat", "dog")}
    assert Visualizer.get_current_instance().dataset_meta == {"classes": ("cat", "dog")}
