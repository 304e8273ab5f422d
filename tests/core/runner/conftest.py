"""A toy job for the runner's unit tests (tests/fixtures/toy_runner), built in-process."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TOY = Path(__file__).parents[2] / "fixtures" / "toy_runner"
if str(TOY) not in sys.path:
    sys.path.insert(0, str(TOY))

import toy_train  # noqa: E402,F401  (registers ToyRegression, ToyRegressor, ToyMSE)


def _loader(size: int, seed: int, batch_size: int, shuffle: bool, sampler: str) -> dict:
    return dict(
        dataset=dict(type="ToyRegression", size=size, seed=seed),
        sampler=dict(type=sampler, shuffle=shuffle),
        batch_size=batch_size,
        collate_fn=dict(type="default_collate"),
    )


@pytest.fixture
def toy_kwargs(tmp_path):
    """``Runner(**toy_kwargs(...))`` arguments for a small, quiet, seeded job."""

    def make(
        max_epochs: int = 2, by_epoch: bool = True, sampler: str = "DefaultSampler", **over
    ) -> dict:
        train_cfg = dict(by_epoch=True, max_epochs=max_epochs)
        if not by_epoch:
            train_cfg = dict(by_epoch=False, max_iters=max_epochs * 8, val_interval=4)
        kwargs = dict(
            model=dict(type="ToyRegressor", dropout=0.1),
            work_dir=str(tmp_path / "work"),
            train_dataloader=_loader(32, 0, 4, True, sampler),
            val_dataloader=_loader(8, 1, 4, False, "DefaultSampler"),
            val_evaluator=dict(type="ToyMSE"),
            val_cfg=dict(),
            train_cfg=train_cfg,
            optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01, momentum=0.9)),
            default_hooks=dict(logger=dict(type="LoggerHook", interval=4)),
            randomness=dict(seed=7, deterministic=True),
            log_level="WARNING",
        )
        kwargs.update(over)
        return kwargs

    return make
