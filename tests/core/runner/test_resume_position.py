"""Data position: skipping consumed batches, in-process resumes that end bitwise equal, and
custom loops that count on their own resuming from the checkpoint's meta position."""

from __future__ import annotations

import pytest
import torch
from torch.utils.data import DataLoader

from treadle.dataset import DefaultSampler
from treadle.hooks import Hook
from treadle.registry import LOOPS
from treadle.runner import BaseLoop, EpochBasedTrainLoop, IterBasedTrainLoop, Runner
from treadle.runner.loops import skip_batches


def test_skip_batches_keeps_the_order_of_the_rest():
    data = list(range(20))
    loader = DataLoader(data, batch_size=3, sampler=DefaultSampler(data, shuffle=True, seed=3))
    full = [batch.tolist() for batch in loader]
    assert [batch.tolist() for batch in skip_batches(loader, 4)] == full[4:]
    assert len(skip_batches(loader, 4)) == len(full) - 4


def test_skip_batches_with_worker_processes():
    data = list(range(12))
    loader = DataLoader(
        data, batch_size=2, num_workers=2, sampler=DefaultSampler(data, shuffle=True, seed=5)
    )
    full = [batch.tolist() for batch in loader]
    assert [batch.tolist() for batch in skip_batches(loader, 3)] == full[3:]


def _train_with_iter_checkpoints(toy_kwargs, tmp_path, name, **over):
    hooks = dict(checkpoint=dict(type="CheckpointHook", interval=3, by_epoch=False),
                 logger=dict(type="LoggerHook", interval=4))  # fmt: skip
    runner = Runner(**toy_kwargs(work_dir=str(tmp_path / name), default_hooks=hooks, **over))
    runner.train()
    return runner


def _final(work_dir) -> dict:
    return torch.load(work_dir / "iter_16.pth", weights_only=True)["state_dict"]


def _resume_from(toy_kwargs, tmp_path, name, checkpoint, **over):
    hooks = dict(checkpoint=dict(type="CheckpointHook", interval=3, by_epoch=False))
    runner = Runner(**toy_kwargs(work_dir=str(tmp_path / name), default_hooks=hooks,
                                 load_from=str(checkpoint), resume=True, **over))  # fmt: skip
    runner.train()
    return runner


def test_epoch_loop_resumes_mid_epoch_bitwise(toy_kwargs, tmp_path):
    _train_with_iter_checkpoints(toy_kwargs, tmp_path, "full")
    # iteration 9 is the first batch of epoch 2 ... 6 is in the middle of epoch 1
    for step in (6, 9):
        _resume_from(toy_kwargs, tmp_path, f"from{step}", tmp_path / "full" / f"iter_{step}.pth")
        a, b = _final(tmp_path / "full"), _final(tmp_path / f"from{step}")
        assert all(torch.equal(a[key], b[key]) for key in a), step


def test_iter_loop_with_infinite_sampler_resumes_bitwise(toy_kwargs, tmp_path):
    over = dict(by_epoch=False, sampler="InfiniteSampler")
    _train_with_iter_checkpoints(toy_kwargs, tmp_path, "full", **over)
    _resume_from(toy_kwargs, tmp_path, "resumed", tmp_path / "full" / "iter_12.pth", **over)
    a, b = _final(tmp_path / "full"), _final(tmp_path / "resumed")
    assert all(torch.equal(a[key], b[key]) for key in a)


def test_iter_loop_over_default_sampler_resumes_across_passes(toy_kwargs, tmp_path):
    over = dict(by_epoch=False)
    _train_with_iter_checkpoints(toy_kwargs, tmp_path, "full", **over)
    resumed = _resume_from(
        toy_kwargs, tmp_path, "resumed", tmp_path / "full" / "iter_9.pth", **over
    )
    assert resumed.train_loop.dataloader_iterator.epoch == 1
    a, b = _final(tmp_path / "full"), _final(tmp_path / "resumed")
    assert all(torch.equal(a[key], b[key]) for key in a)


# ----- custom loops written the MMEngine way: they resume from the checkpoint's meta -------


def _mmengine_style_iter(loop, data_batch, batch_idx) -> None:
    """What MMEngine's loops do per iteration: their own hook calls and counter."""
    runner = loop.runner
    runner.call_hook("before_train_iter", batch_idx=batch_idx, data_batch=data_batch)
    outputs = runner.model.train_step(data_batch, optim_wrapper=runner.optim_wrapper)
    runner.call_hook("after_train_iter", batch_idx=batch_idx, data_batch=data_batch,
                     outputs=outputs)  # fmt: skip
    loop._iter += 1


@LOOPS.register_module(force=True)
class OwnCountingEpochLoop(EpochBasedTrainLoop):
    def run_iter(self, idx, data_batch) -> None:
        _mmengine_style_iter(self, data_batch, idx)


@LOOPS.register_module(force=True)
class OwnCountingIterLoop(IterBasedTrainLoop):
    def run_iter(self, data_batch) -> None:
        _mmengine_style_iter(self, data_batch, self._iter)


@LOOPS.register_module(force=True)
class PlainEpochLoop(BaseLoop):
    """A train loop written from scratch on BaseLoop (MMEngine's custom-loop recipe)."""

    def __init__(self, runner, dataloader, max_epochs: int) -> None:
        super().__init__(runner, dataloader)
        self._epoch = self._iter = 0
        self.max_epochs, self.max_iters = max_epochs, max_epochs * len(self.dataloader)
        self.stop_training = False

    epoch = property(lambda self: self._epoch)
    iter = property(lambda self: self._iter)

    def run(self):
        runner = self.runner
        runner.call_hook("before_train")
        while self._epoch < self.max_epochs:
            runner.call_hook("before_train_epoch")
            runner.model.train()
            for idx, data_batch in enumerate(self.dataloader):
                _mmengine_style_iter(self, data_batch, idx)
            runner.call_hook("after_train_epoch")
            self._epoch += 1
        runner.call_hook("after_train")
        return runner.model


def _resumed_position(toy_kwargs, tmp_path, train_cfg, resumed_cfg, hooks) -> tuple:
    work_dir = str(tmp_path / train_cfg["type"])
    Runner(**toy_kwargs(work_dir=work_dir, train_cfg=train_cfg, default_hooks=hooks)).train()
    ran = []

    class Count(Hook):
        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            ran.append(runner.iter)

    resumed = Runner(**toy_kwargs(work_dir=work_dir, train_cfg=resumed_cfg, default_hooks=hooks,
                                  resume=True, custom_hooks=[Count()]))  # fmt: skip
    resumed.train()
    return resumed.epoch, resumed.iter, ran


def test_loops_counting_on_their_own_resume_from_the_meta_position(toy_kwargs, tmp_path):
    by_epoch = dict(checkpoint=dict(type="CheckpointHook", interval=1))
    for loop in ("OwnCountingEpochLoop", "PlainEpochLoop"):  # 8 iterations an epoch
        epoch, iteration, ran = _resumed_position(
            toy_kwargs, tmp_path, dict(type=loop, max_epochs=2), dict(type=loop, max_epochs=3),
            by_epoch,
        )  # fmt: skip
        assert (epoch, iteration, ran) == (3, 24, list(range(16, 24))), loop
    by_iter = dict(checkpoint=dict(type="CheckpointHook", interval=3, by_epoch=False))
    epoch, iteration, ran = _resumed_position(
        toy_kwargs, tmp_path, dict(type="OwnCountingIterLoop", max_iters=6),
        dict(type="OwnCountingIterLoop", max_iters=9), by_iter,
    )  # fmt: skip
    assert (iteration, ran) == (9, [6, 7, 8])


def test_hand_loads_are_not_overwritten_and_a_hand_resume_builds_the_schedulers(
    toy_kwargs, tmp_path
):
    hooks = dict(checkpoint=dict(type="CheckpointHook", interval=1))
    schedulers = [dict(type="MultiStepLR", milestones=[1], gamma=0.1)]
    first = Runner(**toy_kwargs(work_dir=str(tmp_path / "a"), default_hooks=hooks,
                                param_scheduler=schedulers))  # fmt: skip
    first.train()
    epoch_1, epoch_2 = (str(tmp_path / "a" / f"epoch_{n}.pth") for n in (1, 2))
    test_parts = dict(test_dataloader=toy_kwargs()["val_dataloader"],
                      test_evaluator=dict(type="ToyMSE"), test_cfg=dict())  # fmt: skip
    evaluating = Runner(**toy_kwargs(work_dir=str(tmp_path / "b"), load_from=epoch_1,
                                     **test_parts))  # fmt: skip
    evaluating.load_checkpoint(epoch_2)
    evaluating.test()  # load_from (epoch 1) must not replace the weights loaded by hand
    expected = torch.load(epoch_2, weights_only=True)["state_dict"]["linear.weight"]
    assert torch.equal(evaluating.model.linear.weight, expected)

    resumed = Runner(**toy_kwargs(work_dir=str(tmp_path / "c"), max_epochs=3,
                                  param_scheduler=schedulers))  # fmt: skip
    resumed.resume(epoch_1)  # by hand, before train(): the schedulers are still configs
    assert resumed.param_schedulers[0].last_step == 1
    resumed.train()
    assert resumed.epoch == 3 and resumed.optim_wrapper.get_lr()["lr"][0] == pytest.approx(1e-3)


def test_resuming_warns_about_the_seed_only_when_the_config_chose_one(toy_kwargs, tmp_path):
    from pathlib import Path

    hooks = dict(checkpoint=dict(type="CheckpointHook", interval=1))
    work_dir = str(tmp_path / "seeds")
    Runner(**toy_kwargs(work_dir=work_dir, default_hooks=hooks, max_epochs=1)).train()  # seed 7
    warned = []
    for randomness in (dict(seed=None), dict(seed=8)):
        resumed = Runner(**toy_kwargs(work_dir=work_dir, default_hooks=hooks, max_epochs=2,
                                      resume=True, randomness=randomness))  # fmt: skip
        resumed.train()
        assert resumed.seed == 7  # the checkpoint's, either way
        log = next(Path(resumed.log_dir).glob("*.log")).read_text()
        warned.append("The seed of the checkpoint (7) differs" in log)
    assert warned == [False, True]
