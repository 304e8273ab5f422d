"""Check ``BaseInferencer`` against a live MMEngine 0.10.7: the same subclass, config and
weights under both, called the same ways, must give the same results.

    python tests/core/infer/mmengine_parity.py

``nox -s parity`` runs it. Compared: predictions and visualizations for a list of inputs
in batches (keywords routed to their steps), a single input, an inferencer built from the
checkpoint alone (the config it holds), the files a directory input lists (as a set:
Treadle sorts them), and the error for an unknown keyword. Exit status 1 on any difference.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).parents[2]))  # tests/: the shared support package
from support.mmengine_side import mmengine_mismatch

WEIGHTS = {"linear.weight": torch.tensor([[2.0, 3.0]]), "linear.bias": torch.tensor([1.0])}
CONFIG_TEXT = (
    "model = dict(type='ParityInferModel')\ntest_dataloader = dict(collate_fn='default_collate')\n"
)


def parts(side: str) -> Any:
    """The inferencer subclass on ``side``'s base classes, its model registered there."""
    BaseModel = importlib.import_module(f"{side}.model").BaseModel
    BaseInferencer = importlib.import_module(f"{side}.infer").BaseInferencer
    MODELS = importlib.import_module(f"{side}.registry").MODELS

    class ParityInferModel(BaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(2, 1)

        def forward(self, inputs, data_samples=None, mode="tensor"):
            return self.linear(inputs).squeeze(-1).tolist()

    MODELS.register_module(module=ParityInferModel, force=True)

    class Inferencer(BaseInferencer):
        preprocess_kwargs = {"scale"}  # noqa: RUF012
        visualize_kwargs = {"show"}  # noqa: RUF012
        postprocess_kwargs = {"digits"}  # noqa: RUF012

        def _init_pipeline(self, cfg):
            return lambda x: dict(inputs=torch.tensor(x, dtype=torch.float32))

        def preprocess(self, inputs, batch_size=1, scale=1.0):
            scaled = [[float(v) * scale for v in x] for x in inputs]
            yield from super().preprocess(scaled, batch_size)

        def visualize(self, inputs, preds, show=False):
            return [f"{x} -> {p:.3f} (show={show})" for x, p in zip(inputs, preds, strict=True)]

        def postprocess(self, preds, visualization, return_datasample=False, digits=3):
            return dict(predictions=[round(p, digits) for p in preds], visualization=visualization)

    return Inferencer


def run(side: str, tmp: Path) -> dict:
    Inferencer = parts(side)
    config = tmp / f"{side}.py"
    config.write_text(CONFIG_TEXT)
    weights = tmp / f"{side}.pth"
    torch.save({"state_dict": WEIGHTS, "meta": {"cfg": CONFIG_TEXT}}, weights)
    images = tmp / f"{side}-images"
    images.mkdir()
    for name in ("b.png", "a.png", "c.png"):
        (images / name).write_bytes(b"")
    inferencer = Inferencer(str(config), str(weights), device="cpu", show_progress=False)
    points = [[1.0, 1.0], [0.0, 2.0], [1.0, 0.0], [0.5, -1.0], [3.0, 1.0]]
    try:
        inferencer(points, not_a_keyword=1)
        unknown = "accepted"
    except ValueError:
        unknown = "ValueError"
    from_checkpoint = Inferencer(weights=str(weights), device="cpu", show_progress=False)
    return dict(
        batches=inferencer(points, batch_size=2, scale=2.0, show=True, digits=2),
        single=inferencer(torch.tensor([0.25, 0.75])),  # not a list: one input
        from_checkpoint=from_checkpoint(points, batch_size=3),
        directory=sorted(Path(p).name for p in inferencer._inputs_to_list(str(images))),
        unknown_keyword=unknown,
    )


def main() -> int:
    mismatch = mmengine_mismatch()
    if mismatch:
        print(mismatch)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        theirs, ours = run("mmengine", Path(tmp)), run("treadle", Path(tmp))
    different = [key for key in theirs if theirs[key] != ours[key]]
    for key in different:
        print(f"DIFFERENT {key}:\n  mmengine: {theirs[key]!r}\n  treadle:  {ours[key]!r}")
    if not different:
        print(f"treadle.infer matches mmengine 0.10.7 ({', '.join(theirs)})")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
