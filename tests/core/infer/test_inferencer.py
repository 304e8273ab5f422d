"""BaseInferencer built from configs and checkpoints, routing keywords, batching inputs."""

from __future__ import annotations

from typing import ClassVar

import pytest
import torch
from torch import nn

from treadle.config import Config
from treadle.infer import BaseInferencer
from treadle.model import BaseModel
from treadle.registry import MODELS
from treadle.visualization import Visualizer


@MODELS.register_module(force=True)
class InferTestRegressor(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode="tensor"):
        if isinstance(inputs, list):  # pseudo_collate keeps a list of samples
            inputs = torch.stack(inputs)
        out = self.linear(inputs).squeeze(-1)
        return [dict(value=v, batch=len(out)) for v in out.tolist()] if mode == "predict" else out


class Recording(BaseInferencer):
    """Records which keywords reached which step."""

    preprocess_kwargs: ClassVar[set[str]] = {"scale"}
    forward_kwargs: ClassVar[set[str]] = {"note"}
    visualize_kwargs: ClassVar[set[str]] = {"show"}
    postprocess_kwargs: ClassVar[set[str]] = {"digits"}

    def _init_pipeline(self, cfg):
        return lambda x: dict(inputs=torch.tensor(x, dtype=torch.float32))

    def preprocess(self, inputs, batch_size=1, scale=1.0):
        self.seen = dict(scale=scale)
        yield from super().preprocess([[v * scale for v in x] for x in inputs], batch_size)

    def forward(self, inputs, note=None):
        self.seen["note"] = note
        return super().forward(inputs)

    def visualize(self, inputs, preds, show=False):
        self.seen["show"] = show
        return [f"drawn {x}" for x in inputs]

    def postprocess(self, preds, visualization, return_datasample=False, digits=3):
        values = [round(p["value"], digits) for p in preds]
        return dict(
            predictions=values, batches=[p["batch"] for p in preds], visualization=visualization
        )


CONFIG = dict(model=dict(type="InferTestRegressor"))
WEIGHTS = {"linear.weight": torch.tensor([[2.0, 3.0]]), "linear.bias": torch.tensor([1.0])}


@pytest.fixture
def weights(tmp_path):
    path = tmp_path / "tiny.pth"
    torch.save({"state_dict": WEIGHTS, "meta": {"cfg": Config(CONFIG).pretty_text}}, path)
    return str(path)


def test_from_a_config_file_and_weights(tmp_path, weights) -> None:
    config = tmp_path / "tiny.py"
    config.write_text("model = dict(type='InferTestRegressor')\n")
    inferencer = Recording(str(config), weights, device="cpu", show_progress=False)
    assert not inferencer.model.training
    result = inferencer([[1.0, 1.0], [0.0, 2.0], [1.0, 0.0]], batch_size=2)
    assert result["predictions"] == [6.0, 7.0, 3.0]
    assert result["batches"] == [2, 2, 1]
    assert result["visualization"] == ["drawn [1.0, 1.0]", "drawn [0.0, 2.0]", "drawn [1.0, 0.0]"]


def test_keywords_reach_their_steps(weights) -> None:
    inferencer = Recording(CONFIG, weights, device="cpu", show_progress=False)
    result = inferencer([[1.0, 1.0]], scale=2.0, note="n", show=True, digits=0)
    assert inferencer.seen == dict(scale=2.0, note="n", show=True)
    assert result["predictions"] == [11.0]
    with pytest.raises(
        ValueError, match=r"unknown argument\(s\) \['colour'\].*'visualize': \['show'\]"
    ):
        inferencer([[1.0, 1.0]], colour="red")


def test_the_config_can_come_from_the_checkpoint(weights) -> None:
    inferencer = Recording(weights=weights, device="cpu", show_progress=False)
    assert inferencer.cfg.model == {"type": "InferTestRegressor"}
    assert inferencer([[0.0, 0.0]])["predictions"] == [1.0]


def test_the_test_dataloaders_collate_function(weights) -> None:
    cfg = dict(CONFIG, test_dataloader=dict(collate_fn=dict(type="default_collate")))
    inferencer = Recording(cfg, weights, device="cpu", show_progress=False)
    batch = next(inferencer.preprocess([[1.0, 2.0], [3.0, 4.0]], batch_size=2))
    assert torch.equal(batch["inputs"], torch.tensor([[1.0, 2.0], [3.0, 4.0]]))  # stacked
    plain = Recording(CONFIG, weights, device="cpu", show_progress=False)
    batch = next(plain.preprocess([[1.0, 2.0], [3.0, 4.0]], batch_size=2))
    assert isinstance(batch["inputs"], list)  # pseudo_collate: a list per key


def test_inputs_become_a_list(tmp_path, weights) -> None:
    inferencer = Recording(CONFIG, weights, device="cpu", show_progress=False)
    for name in ("b.png", "a.png", "c.png"):
        (tmp_path / "images" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "images" / name).write_bytes(b"")
    listed = inferencer._inputs_to_list(str(tmp_path / "images"))
    assert [path.rsplit("/", 1)[-1] for path in listed] == ["a.png", "b.png", "c.png"]
    assert inferencer._inputs_to_list("https://example.com/a.png") == ["https://example.com/a.png"]
    assert inferencer._inputs_to_list((1, 2)) == [1, 2]
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        inferencer([[1.0, 1.0]], batch_size=0)


def test_a_visualizer_gets_a_name_of_its_own(weights) -> None:
    Visualizer.get_instance("infer-vis")
    cfg = Config(dict(CONFIG, visualizer=dict(type="Visualizer", name="infer-vis")))
    inferencer = Recording(cfg, weights, device="cpu", show_progress=False)
    assert inferencer.visualizer.instance_name.startswith("infer-vis-")
    assert cfg.visualizer.name == "infer-vis"  # the caller's config is left as it was


def test_bad_arguments_say_what_to_give(weights) -> None:
    with pytest.raises(ValueError, match="with model=None the config is read from the checkpoint"):
        Recording(device="cpu")
    with pytest.raises(TypeError, match="model must be a config path"):
        Recording(42, device="cpu")
    with pytest.raises(ValueError, match="give scope="):
        Recording("not-a-file-or-known-model", device="cpu")
    with pytest.warns(UserWarning, match="randomly initialised"):
        Recording(CONFIG, device="cpu")
    with pytest.raises(KeyError, match="has no 'model' to build"):
        Recording(dict(test_dataloader={}), weights, device="cpu")


def test_each_keyword_goes_to_one_step() -> None:
    with pytest.raises(
        TypeError, match="'show' is in both visualize_kwargs and postprocess_kwargs"
    ):

        class Ambiguous(Recording):
            postprocess_kwargs = {"show"}  # noqa: RUF012

    with pytest.raises(TypeError, match="forward_kwargs must be a set"):

        class NotASet(Recording):
            forward_kwargs = ["note"]  # noqa: RUF012
