"""``ProfilerHook``: profile the first epoch(s) or iterations with ``torch.profiler``."""

from __future__ import annotations

import os.path as osp
from collections.abc import Callable
from typing import Any

from torch import profiler

from treadle.hooks.hook import Hook
from treadle.registry import HOOKS


@HOOKS.register_module()
class ProfilerHook(Hook):
    """Run ``torch.profiler.profile`` from the start of the run for ``profile_times`` epochs
    (``by_epoch``) or iterations, then report.

    Args:
        by_epoch: profile whole epochs (then ``profile_times`` must be 1) or iterations.
        profile_times: how many epochs/iterations to profile.
        activity_with_cpu: record CPU activity.
        activity_with_cuda: record CUDA activity.
        schedule: keyword arguments of ``torch.profiler.schedule`` (wait, warmup, active...).
        on_trace_ready: a callable taking the profiler, or ``dict(type='log_trace', ...)``
            (print ``key_averages().table(**rest)``) or ``dict(type='tb_trace', dir_name=...)``
            (TensorBoard traces under ``runner.log_dir``/``dir_name``, default
            ``tf_tracing_logs``).
        record_shapes, profile_memory, with_stack, with_flops: ``torch.profiler.profile``'s.
        json_trace_path: write a Chrome trace here when profiling ends; a relative path is
            taken under ``runner.work_dir``.
    """

    priority = "VERY_LOW"

    def __init__(
        self,
        *,
        by_epoch: bool = True,
        profile_times: int = 1,
        activity_with_cpu: bool = True,
        activity_with_cuda: bool = False,
        schedule: dict | None = None,
        on_trace_ready: Callable | dict | None = None,
        record_shapes: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_flops: bool = False,
        json_trace_path: str | None = None,
    ) -> None:
        if not isinstance(by_epoch, bool):
            raise TypeError(f"ProfilerHook: by_epoch must be a bool, got {by_epoch!r}")
        if not isinstance(profile_times, int) or profile_times < 1:
            raise ValueError(f"ProfilerHook: profile_times must be >= 1, got {profile_times!r}")
        if by_epoch and profile_times > 1:
            raise ValueError(
                f"ProfilerHook: with by_epoch=True only 1 epoch is profiled, got "
                f"profile_times={profile_times}; profiling slows training down, so profile one "
                "epoch (or set by_epoch=False to profile iterations)"
            )
        for name, flag in (
            ("activity_with_cpu", activity_with_cpu),
            ("activity_with_cuda", activity_with_cuda),
        ):
            if not isinstance(flag, bool):
                raise TypeError(f"ProfilerHook: {name} must be a bool, got {flag!r}")
        if schedule is not None and not isinstance(schedule, dict):
            raise TypeError(
                f"ProfilerHook: schedule must be a dict of torch.profiler.schedule arguments, "
                f"got {type(schedule).__name__}"
            )
        if on_trace_ready is not None and not (
            callable(on_trace_ready) or isinstance(on_trace_ready, dict)
        ):
            raise TypeError(
                "ProfilerHook: on_trace_ready must be a callable, a dict(type='log_trace' or "
                f"'tb_trace', ...) or None, got {type(on_trace_ready).__name__}"
            )
        self.by_epoch = by_epoch
        self.profile_times = profile_times
        self.activities = []
        if activity_with_cpu:
            self.activities.append(profiler.ProfilerActivity.CPU)
        if activity_with_cuda:
            self.activities.append(profiler.ProfilerActivity.CUDA)
        self.schedule = profiler.schedule(**schedule) if schedule is not None else None
        self.on_trace_ready = on_trace_ready
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.json_trace_path = json_trace_path
        self._closed = False

    def before_run(self, runner: Any) -> None:
        max_times = runner.max_epochs if self.by_epoch else runner.max_iters
        if max_times < self.profile_times:
            unit = "epochs" if self.by_epoch else "iterations"
            raise ValueError(
                f"ProfilerHook: profile_times ({self.profile_times}) exceeds the run's "
                f"{max_times} {unit}"
            )
        self.profiler = profiler.profile(
            activities=self.activities,
            schedule=self.schedule,
            on_trace_ready=self._trace_handler(runner),
            record_shapes=self.record_shapes,
            profile_memory=self.profile_memory,
            with_stack=self.with_stack,
            with_flops=self.with_flops,
        )
        self.profiler.__enter__()
        runner.logger.info("profiler is profiling...")

    def after_train_epoch(self, runner: Any) -> None:
        # iteration-based loops call this too (once, at the end): close only once
        if not self._closed:
            self._export_chrome_trace(runner)

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        if self._closed:
            return
        self.profiler.step()
        if not self.by_epoch and runner.iter == self.profile_times - 1:
            self._export_chrome_trace(runner)

    def _export_chrome_trace(self, runner: Any) -> None:
        self._closed = True
        runner.logger.info("profiler may take a few minutes to write its report...")
        self.profiler.__exit__(None, None, None)
        if self.json_trace_path is not None:
            path = osp.join(runner.work_dir, self.json_trace_path)
            self.profiler.export_chrome_trace(path)
            runner.logger.info(f"profiler trace written to {path}")

    def _trace_handler(self, runner: Any) -> Callable | None:
        if self.on_trace_ready is None or callable(self.on_trace_ready):
            return self.on_trace_ready
        trace_cfg = dict(self.on_trace_ready)
        trace_type = trace_cfg.pop("type", None)
        if trace_type == "log_trace":

            def log_table(prof: profiler.profile) -> None:
                runner.logger.info("\n" + prof.key_averages().table(**trace_cfg))

            return log_table
        if trace_type == "tb_trace":
            dir_name = trace_cfg.get("dir_name", "tf_tracing_logs")
            trace_cfg["dir_name"] = osp.join(runner.log_dir, dir_name)
            runner.logger.info(f"ProfilerHook writes traces to {trace_cfg['dir_name']}")
            return profiler.tensorboard_trace_handler(**trace_cfg)
        raise ValueError(
            f"ProfilerHook: on_trace_ready type must be 'log_trace' or 'tb_trace', got "
            f"{trace_type!r}"
        )
