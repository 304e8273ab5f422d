"""BaseTTAModel: one test_step per augmentation, predictions merged per sample."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from treadle.config import Config
from treadle.dataset import Compose, pseudo_collate
from treadle.evaluator import BaseMetric
from treadle.hooks import PrepareTTAHook, build_runner_with_tta
from treadle.model import BaseModel, BaseTTAModel
from treadle.registry import DATASETS, METRICS, MODELS, TRANSFORMS
from treadle.runner import Runner
from treadle.structures import BaseDataElement


@MODELS.register_module(force=True)
class TTAScorer(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)
        nn.init.constant_(self.linear.weight, 1.0)
        nn.init.constant_(self.linear.bias, 0.5)

    def forward(self, inputs, data_samples=None, mode="tensor"):
        scores = self.linear(torch.stack(inputs)).squeeze(-1)
        return [s.new(score=score) for s, score in zip(data_samples, scores, strict=True)]


@MODELS.register_module(force=True)
class AverageScoreTTA(BaseTTAModel):
    def merge_preds(self, data_samples_list):
        merged = []
        for samples in data_samples_list:
            sample = samples[0].new()
            sample.score = sum(s.score for s in samples) / len(samples)
            sample.augmentations = len(samples)
            merged.append(sample)
        return merged


def augmented(x: list[float], index: int) -> dict:
    """What a test-time-augmentation pipeline gives a sample: one entry per augmentation."""
    sample = BaseDataElement(metainfo=dict(index=index))
    return dict(inputs=[torch.tensor(x), torch.tensor(x) * 2], data_samples=[sample, sample])


def test_predictions_are_merged_per_sample() -> None:
    tta = AverageScoreTTA(module=dict(type="TTAScorer"))
    batch = pseudo_collate([augmented([1.0, 2.0], 0), augmented([0.0, -1.0], 1)])
    merged = tta.test_step(batch)
    # the score is x0 + x1 + 0.5; augmentations x and 2x average to 1.5 (x0 + x1) + 0.5
    assert [round(s.score.item(), 4) for s in merged] == [5.0, -1.0]
    assert [s.index for s in merged] == [0, 1]
    assert [s.augmentations for s in merged] == [2, 2]


def test_a_sequence_batch_and_bad_batches() -> None:
    class FirstOnly(BaseTTAModel):
        def merge_preds(self, data_samples_list):
            return [samples[0] for samples in data_samples_list]

    class Echo(nn.Module):
        def test_step(self, data):
            inputs, samples = data
            return [f"{item} of {sample}" for item, sample in zip(inputs, samples, strict=True)]

    tta = FirstOnly(module=Echo())
    # (inputs, data_samples), each over 2 augmentations of a batch of 2
    batch = ([["a", "b"], ["2a", "2b"]], [["s", "t"], ["s", "t"]])
    assert tta.test_step(batch) == ["a of s", "b of t"]
    tta.merge_preds = lambda samples_list: ["+".join(samples) for samples in samples_list]
    assert tta.test_step(batch) == ["a of s+2a of s", "b of t+2b of t"]
    with pytest.raises(ValueError, match="different numbers of augmentations"):
        tta.test_step(dict(inputs=[1, 2], data_samples=[1]))
    with pytest.raises(TypeError, match="a dict or a sequence"):
        tta.test_step(torch.zeros(2))
    with pytest.raises(TypeError, match="has no test_step"):
        FirstOnly(module=nn.Linear(1, 1))
    with pytest.raises(NotImplementedError, match="call test_step"):
        tta(torch.zeros(1))


@METRICS.register_module(force=True)
class MeanScore(BaseMetric):
    def process(self, data_batch, data_samples):
        # the evaluator hands metrics data elements as dicts, as MMEngine's does
        self.results += [(s["score"].item(), s["augmentations"]) for s in data_samples]

    def compute_metrics(self, results):
        return dict(mean=sum(r[0] for r in results) / len(results), augs=results[0][1])


def test_the_runner_tests_a_tta_model_built_from_the_config(tmp_path) -> None:
    samples = [augmented([1.0, 2.0], 0), augmented([0.0, -1.0], 1), augmented([2.0, 2.0], 2)]
    model = dict(type="TTAScorer")
    runner = Runner(
        model=dict(
            type="AverageScoreTTA", module=model
        ),  # cfg.model = dict(**tta_model, module=...)
        work_dir=str(tmp_path),
        test_dataloader=dict(
            dataset=samples,
            sampler=dict(type="DefaultSampler", shuffle=False),
            batch_size=2,
            collate_fn=dict(type="pseudo_collate"),
        ),
        test_evaluator=dict(type="MeanScore"),
        test_cfg=dict(),
        log_level="WARNING",
    )
    metrics = runner.test()
    assert metrics["mean"] == pytest.approx((5.0 - 1.0 + 6.5) / 3)
    assert metrics["augs"] == 2


@TRANSFORMS.register_module(force=True)
class TwoViews:
    """A test-time-augmentation transform: the sample and its double, with its index."""

    def __call__(self, results: dict) -> dict:
        return augmented(results["x"], results["index"])


@DATASETS.register_module(force=True)
class PointsDataset:
    """Raw points through ``pipeline`` (which build_runner_with_tta sets to the TTA one)."""

    def __init__(self, pipeline: list) -> None:
        self.points = [[1.0, 2.0], [0.0, -1.0], [2.0, 2.0]]
        self.pipeline = Compose(pipeline)

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, index: int) -> dict:
        return self.pipeline(dict(x=self.points[index], index=index))


def test_build_runner_with_tta_wraps_the_model_before_testing(tmp_path) -> None:
    cfg = Config(
        dict(
            model=dict(type="TTAScorer"),
            work_dir=str(tmp_path),
            test_dataloader=dict(
                dataset=dict(type="PointsDataset"),
                sampler=dict(type="DefaultSampler", shuffle=False),
                batch_size=2,
                collate_fn=dict(type="pseudo_collate"),
            ),
            test_evaluator=dict(type="MeanScore"),
            test_cfg=dict(),
            tta_model=dict(type="AverageScoreTTA"),
            tta_pipeline=[dict(type="TwoViews")],
            log_level="WARNING",
        )
    )
    runner = build_runner_with_tta(cfg)
    assert type(runner.model).__name__ == "TTAScorer"  # wrapped only when testing starts
    metrics = runner.test()
    assert type(runner.model).__name__ == "AverageScoreTTA"
    assert metrics["mean"] == pytest.approx((5.0 - 1.0 + 6.5) / 3)
    assert metrics["augs"] == 2
    with pytest.raises(KeyError, match="no tta_model and no tta_pipeline"):
        build_runner_with_tta(Config(dict(model=dict(type="TTAScorer"))))
    with pytest.raises(TypeError, match="a TTA model's config dict with a 'type'"):
        PrepareTTAHook(tta_cfg=dict(module=None))
