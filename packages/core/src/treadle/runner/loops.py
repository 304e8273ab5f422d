"""Loops: the train, validation and test drivers a Runner hands control to.

Names, arguments and hook order follow MMEngine 0.10.7. Train loops also keep
their data position (epoch, batches consumed in it, the sampler's seed) so a
run resumed from an iteration checkpoint skips exactly the batches already
trained on, in the same order.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch.utils.data import DataLoader

from treadle.dataset.sampler import epoch_sampler
from treadle.logging import ProgressReporter
from treadle.registry import LOOPS
from treadle.runner.amp import autocast


class TrainStepError(ValueError):
    """``train_step`` failed on its input or the model's output; names the iteration."""


class BaseLoop:
    """A loop over ``dataloader`` (built from its config dict by the runner)."""

    def __init__(self, runner: Any, dataloader: DataLoader | dict) -> None:
        self._runner = runner
        if isinstance(dataloader, dict):
            dataloader = runner.build_dataloader(
                dataloader,
                seed=runner.seed,
                diff_rank_seed=runner._randomness_cfg.get("diff_rank_seed", False),
            )
        self.dataloader = dataloader

    @property
    def runner(self) -> Any:
        return self._runner

    def run(self) -> Any:
        raise NotImplementedError


def calc_dynamic_intervals(
    start_interval: int, dynamic_interval_list: Sequence[tuple[int, int]] | None = None
) -> tuple[list[int], list[int]]:
    """Milestones and intervals: ``start_interval`` from 0, then each ``(milestone, interval)``."""
    milestones, intervals = [0], [start_interval]
    for milestone, interval in dynamic_interval_list or []:
        if milestone <= milestones[-1]:
            raise ValueError(
                f"dynamic_intervals milestones must increase, got {milestone} after "
                f"{milestones[-1]} in {list(dynamic_interval_list or [])}"
            )
        milestones.append(milestone)
        intervals.append(interval)
    return milestones, intervals


class _SkipBatches:
    """A batch sampler that leaves out the first ``skip`` batches of ``inner``."""

    def __init__(self, inner: Any, skip: int) -> None:
        self.inner = inner
        self.skip = skip
        self.sampler = getattr(inner, "sampler", None)

    def __iter__(self) -> Iterator:
        return itertools.islice(iter(self.inner), self.skip, None)

    def __len__(self) -> int:
        return max(len(self.inner) - self.skip, 0)


def skip_batches(dataloader: DataLoader, skip: int) -> Any:
    """An iterable over ``dataloader``'s batches after the first ``skip``, without loading them."""
    if skip <= 0:
        return dataloader
    if dataloader.batch_sampler is None:  # no auto-batching: skip by loading
        return itertools.islice(dataloader, skip, None)
    kwargs: dict[str, Any] = dict(
        num_workers=dataloader.num_workers,
        collate_fn=dataloader.collate_fn,
        pin_memory=dataloader.pin_memory,
        timeout=dataloader.timeout,
        worker_init_fn=dataloader.worker_init_fn,
        generator=dataloader.generator,
    )
    if dataloader.num_workers > 0:
        kwargs["prefetch_factor"] = dataloader.prefetch_factor
        kwargs["multiprocessing_context"] = dataloader.multiprocessing_context
    return DataLoader(
        dataloader.dataset, batch_sampler=_SkipBatches(dataloader.batch_sampler, skip), **kwargs
    )


class _TrainLoopBase(BaseLoop):
    """What both train loops share: counters, data position, dataset meta, val intervals."""

    def __init__(
        self,
        runner: Any,
        dataloader: DataLoader | dict,
        val_begin: int,
        val_interval: int,
        dynamic_intervals: Sequence[tuple[int, int]] | None,
    ) -> None:
        super().__init__(runner, dataloader)
        # the per-iteration points are called from the runner's dispatcher table (no
        # call_hook frames), unless the runner offers none: then through call_hook
        hooks = getattr(runner, "_iteration_hooks", None)
        self._hooks = hooks() if hooks is not None else None
        self._epoch = 0
        self._iter = 0
        self._iters_done = 0
        self._inner_done = 0
        self._skip = 0
        self.val_begin = val_begin
        self.val_interval = val_interval
        self.stop_training = False
        self.dynamic_milestones, self.dynamic_intervals = calc_dynamic_intervals(
            val_interval, dynamic_intervals
        )
        dataset = self.dataloader.dataset
        if hasattr(dataset, "metainfo"):
            runner.visualizer.dataset_meta = dataset.metainfo
        else:
            runner.logger.warning(
                f"dataset {type(dataset).__name__} has no metainfo; dataset_meta in the "
                "visualizer and checkpoints will be None"
            )

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def iter(self) -> int:
        return self._iter

    @property
    def max_epochs(self) -> int:
        return self._max_epochs

    @property
    def max_iters(self) -> int:
        return self._max_iters

    def _decide_current_val_interval(self, progress: int) -> None:
        """Pick the interval for ``progress`` (epochs/iterations done) + 1, as MMEngine does."""
        step = bisect.bisect(self.dynamic_milestones, progress + 1)
        self.val_interval = self.dynamic_intervals[step - 1]

    def _train_step(self, idx: int, data_batch: Any) -> None:
        runner = self._runner
        hooks = self._hooks
        if hooks is None:
            runner.call_hook("before_train_iter", batch_idx=idx, data_batch=data_batch)
        else:
            hook = None
            try:
                for hook, method in hooks.table["before_train_iter"]:  # noqa: B007
                    method(runner, batch_idx=idx, data_batch=data_batch)
            except Exception as error:
                hooks.fail(hook, "before_train_iter", error)
        try:
            outputs = runner.model.train_step(data_batch, optim_wrapper=runner.optim_wrapper)
        except (ValueError, TypeError) as exc:  # e.g. forward(mode='loss') gave no loss
            raise TrainStepError(
                f"train iteration {self._iter + 1} (epoch {self._epoch + 1}, batch "
                f"{idx + 1}): {exc}"
            ) from exc
        self._iters_done = self._iter + 1
        self._inner_done += 1
        if hooks is None:
            runner.call_hook(
                "after_train_iter", batch_idx=idx, data_batch=data_batch, outputs=outputs
            )
        else:
            hook = None
            try:
                for hook, method in hooks.table["after_train_iter"]:  # noqa: B007
                    method(runner, batch_idx=idx, data_batch=data_batch, outputs=outputs)
            except Exception as error:
                hooks.fail(hook, "after_train_iter", error)
        self._iter += 1

    def _sampler_seed(self) -> int | None:
        return getattr(epoch_sampler(self.dataloader), "seed", None)

    def _restore_sampler_seed(self, seed: int | None) -> None:
        sampler = epoch_sampler(self.dataloader)
        if seed is not None and hasattr(sampler, "seed") and sampler.seed != seed:
            sampler.seed = seed
            if hasattr(sampler, "indices"):  # InfiniteSampler's stream is made at init
                sampler.indices = sampler._indices_of_rank()


@LOOPS.register_module()
class EpochBasedTrainLoop(_TrainLoopBase):
    """Train for ``max_epochs`` epochs, validating every ``val_interval`` from ``val_begin``."""

    def __init__(
        self,
        runner: Any,
        dataloader: DataLoader | dict,
        max_epochs: int,
        val_begin: int = 1,
        val_interval: int = 1,
        dynamic_intervals: Sequence[tuple[int, int]] | None = None,
    ) -> None:
        super().__init__(runner, dataloader, val_begin, val_interval, dynamic_intervals)
        self._max_epochs = int(max_epochs)
        if self._max_epochs != max_epochs:
            raise ValueError(f"train_cfg max_epochs must be an integer, got {max_epochs!r}")
        self._max_iters = self._max_epochs * len(self.dataloader)
        self._epoch_done = False

    def run(self) -> Any:
        """Run the epochs; returns the model."""
        runner = self._runner
        runner.call_hook("before_train")
        while self._epoch < self._max_epochs and not self.stop_training:
            self.run_epoch()
            self._decide_current_val_interval(self._epoch)
            if (
                runner.val_loop is not None
                and self._epoch >= self.val_begin
                and (self._epoch % self.val_interval == 0 or self._epoch == self._max_epochs)
            ):
                runner.val_loop.run()
        runner.call_hook("after_train")
        return runner.model

    def run_epoch(self) -> None:
        """One epoch (the rest of it, when resumed from an iteration checkpoint)."""
        runner = self._runner
        runner.call_hook("before_train_epoch")
        runner.model.train()
        skip, self._skip = self._skip, 0
        self._inner_done = skip
        for idx, data_batch in enumerate(skip_batches(self.dataloader, skip), start=skip):
            self.run_iter(idx, data_batch)
        self._epoch_done = True
        runner.call_hook("after_train_epoch")
        self._epoch += 1
        self._epoch_done = False
        self._inner_done = 0

    #: one optimisation step on ``data_batch`` (the step itself: no extra call per iteration)
    run_iter = _TrainLoopBase._train_step

    def state_dict(self) -> dict[str, Any]:
        """The data position: epochs completed, iterations completed, batches of this epoch."""
        return dict(
            epoch=self._epoch + int(self._epoch_done),
            iter=self._iters_done,
            inner_iter=0 if self._epoch_done else self._inner_done,
            sampler_seed=self._sampler_seed(),
        )

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state_dict`'s position (the next epoch skips done batches)."""
        self._epoch = state["epoch"]
        self._iter = self._iters_done = state["iter"]
        self._skip = self._inner_done = state.get("inner_iter", 0)
        self._restore_sampler_seed(state.get("sampler_seed"))


class _InfiniteDataloaderIterator:
    """Restart ``dataloader`` when it runs out, advancing the sampler's epoch."""

    def __init__(self, dataloader: DataLoader) -> None:
        self._dataloader = dataloader
        self.epoch = 0
        self.inner = 0
        self.skip = 0
        self._iterator: Iterator | None = None

    def _start(self) -> None:
        sampler = epoch_sampler(self._dataloader)
        if sampler is not None:
            sampler.set_epoch(self.epoch)
        skip, self.skip = self.skip, 0
        self.inner = skip
        self._iterator = iter(skip_batches(self._dataloader, skip))

    def __next__(self) -> Any:
        if self._iterator is None:
            self._start()
        try:
            batch = next(self._iterator)  # type: ignore[arg-type]
        except StopIteration:
            self.epoch += 1
            self._start()
            batch = next(self._iterator)  # type: ignore[arg-type]
        return batch


@LOOPS.register_module()
class IterBasedTrainLoop(_TrainLoopBase):
    """Train for ``max_iters`` iterations, validating every ``val_interval`` from ``val_begin``."""

    def __init__(
        self,
        runner: Any,
        dataloader: DataLoader | dict,
        max_iters: int,
        val_begin: int = 1,
        val_interval: int = 1000,
        dynamic_intervals: Sequence[tuple[int, int]] | None = None,
    ) -> None:
        super().__init__(runner, dataloader, val_begin, val_interval, dynamic_intervals)
        self._max_iters = int(max_iters)
        if self._max_iters != max_iters:
            raise ValueError(f"train_cfg max_iters must be an integer, got {max_iters!r}")
        self._max_epochs = 1
        self.dataloader_iterator = _InfiniteDataloaderIterator(self.dataloader)

    def run(self) -> Any:
        """Run the iterations; returns the model."""
        runner = self._runner
        runner.call_hook("before_train")
        runner.call_hook("before_train_epoch")
        while self._iter < self._max_iters and not self.stop_training:
            runner.model.train()
            data_batch = next(self.dataloader_iterator)
            self.dataloader_iterator.inner += 1
            self.run_iter(data_batch)
            self._decide_current_val_interval(self._iter)
            if (
                runner.val_loop is not None
                and self._iter >= self.val_begin
                and (self._iter % self.val_interval == 0 or self._iter == self._max_iters)
            ):
                runner.val_loop.run()
        runner.call_hook("after_train_epoch")
        runner.call_hook("after_train")
        return runner.model

    def run_iter(self, data_batch: Any) -> None:
        """One optimisation step on ``data_batch``."""
        self._train_step(self._iter, data_batch)

    def state_dict(self) -> dict[str, Any]:
        """The data position: iterations done, the data pass and the batches taken in it."""
        return dict(
            epoch=0,
            iter=self._iters_done,
            data_epoch=self.dataloader_iterator.epoch,
            inner_iter=self.dataloader_iterator.inner,
            sampler_seed=self._sampler_seed(),
        )

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state_dict`'s position."""
        self._iter = self._iters_done = state["iter"]
        self._restore_sampler_seed(state.get("sampler_seed"))
        iterator = self.dataloader_iterator
        iterator.epoch = state.get("data_epoch", 0)
        iterator.skip = state.get("inner_iter", 0)
        iterator._iterator = None


class _EvalLoop(BaseLoop):
    """Shared body of ValLoop and TestLoop; ``_stage`` is 'val' or 'test'."""

    _stage = ""

    def __init__(
        self,
        runner: Any,
        dataloader: DataLoader | dict,
        evaluator: Any,
        fp16: bool = False,
    ) -> None:
        super().__init__(runner, dataloader)
        self.evaluator = runner.build_evaluator(evaluator)
        dataset = self.dataloader.dataset
        if hasattr(dataset, "metainfo"):
            self.evaluator.dataset_meta = dataset.metainfo
            runner.visualizer.dataset_meta = dataset.metainfo
        else:
            runner.logger.warning(
                f"dataset {type(dataset).__name__} has no metainfo; the {self._stage} metrics "
                "get dataset_meta=None"
            )
        self.fp16 = fp16

    def run(self) -> dict:
        """Predict every batch, evaluate, and return the metrics."""
        runner, stage = self._runner, self._stage
        runner.call_hook(f"before_{stage}")
        runner.call_hook(f"before_{stage}_epoch")
        runner.model.eval()
        self.losses: dict[str, list[float]] = {}
        with ProgressReporter(len(self.dataloader), stage.capitalize()) as progress:
            for idx, data_batch in enumerate(self.dataloader):
                self.run_iter(idx, data_batch)
                progress.update()
        metrics = self.evaluator.evaluate(len(self.dataloader.dataset))
        if self.losses:
            metrics.update(_mean_losses(self.losses, stage))
        runner.call_hook(f"after_{stage}_epoch", metrics=metrics)
        runner.call_hook(f"after_{stage}")
        return metrics

    @torch.no_grad()
    def run_iter(self, idx: int, data_batch: Any) -> None:
        """Predict one batch and hand the predictions to the evaluator."""
        runner, stage = self._runner, self._stage
        runner.call_hook(f"before_{stage}_iter", batch_idx=idx, data_batch=data_batch)
        with autocast(enabled=self.fp16):
            step = runner.model.val_step if stage == "val" else runner.model.test_step
            outputs = _split_losses(step(data_batch), self.losses)
        self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        runner.call_hook(
            f"after_{stage}_iter", batch_idx=idx, data_batch=data_batch, outputs=outputs
        )


def _split_losses(outputs: Any, losses: dict[str, list[float]]) -> Any:
    """Take a trailing data element holding only ``loss`` (a dict) off ``outputs``.

    MMEngine's convention for models reporting validation losses: the values are
    collected into ``losses`` and the rest of the outputs go to the evaluator.
    """
    from treadle.structures import BaseDataElement

    last = outputs[-1] if isinstance(outputs, list) and outputs else None
    if not isinstance(last, BaseDataElement) or last.keys() != ["loss"]:
        return outputs
    for name, value in last.loss.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        losses.setdefault(name, []).extend(float(v) for v in values)
    return outputs[:-1]


def _mean_losses(losses: dict[str, list[float]], stage: str) -> dict[str, float]:
    """Each loss's mean, plus ``<stage>_loss``: the sum of those named like a loss."""
    means = {name: sum(values) / len(values) for name, values in losses.items()}
    means[f"{stage}_loss"] = sum(value for name, value in means.items() if "loss" in name)
    return means


@LOOPS.register_module()
class ValLoop(_EvalLoop):
    """Validate on ``dataloader`` with ``evaluator``; ``fp16`` runs under autocast."""

    _stage = "val"


@LOOPS.register_module()
class TestLoop(_EvalLoop):
    """Test on ``dataloader`` with ``evaluator``; ``fp16`` runs under autocast."""

    _stage = "test"
