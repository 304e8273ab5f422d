"""``LoggerHook``: log training/validation/test progress and metrics, and ship logs out.

Lines come from ``runner.log_processor``; they go to ``runner.logger`` and, as
scalars, to ``runner.visualizer`` (``vis_data/<timestamp>.json`` for the local
backend). After the run, log files can be copied to ``out_dir`` on any
``treadle.fileio`` backend.
"""

from __future__ import annotations

import logging
import os
import os.path as osp
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from treadle.dist import is_main_process
from treadle.fileio import dump, get_file_backend
from treadle.fileio.io import resolve_backend_args
from treadle.hooks.hook import Hook
from treadle.registry import HOOKS


@HOOKS.register_module()
class LoggerHook(Hook):
    """Log every ``interval`` iterations and after each validation/test epoch.

    Args:
        interval: log every this many iterations (within the epoch).
        ignore_last: skip the epoch's last iterations when fewer than ``interval`` remain.
        interval_exp_name: log the experiment name every this many iterations.
        out_dir: copy log files (those ending with ``out_suffix``) here after the run,
            under the last directory name of ``work_dir``; any fileio URI.
        out_suffix: suffixes of the files copied to ``out_dir``.
        keep_local: keep the local log files after copying them to ``out_dir``.
        file_client_args: deprecated spelling of ``backend_args``.
        log_metric_by_epoch: validation metrics get the epoch as their step (else the iter).
        backend_args: arguments of the ``out_dir`` storage backend.
    """

    priority = "BELOW_NORMAL"

    def __init__(
        self,
        interval: int = 10,
        ignore_last: bool = True,
        interval_exp_name: int = 1000,
        out_dir: str | os.PathLike | None = None,
        out_suffix: str | Sequence[str] = (".json", ".log", ".py", "yaml"),
        keep_local: bool = True,
        file_client_args: dict | None = None,
        log_metric_by_epoch: bool = True,
        backend_args: dict | None = None,
    ) -> None:
        for name, value in (("interval", interval), ("interval_exp_name", interval_exp_name)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"LoggerHook: {name} must be a positive int, got {value!r}")
        if out_dir is not None and not isinstance(out_dir, (str, os.PathLike)):
            raise TypeError(f"LoggerHook: out_dir must be a path or URI, got {out_dir!r}")
        if isinstance(out_suffix, str):
            out_suffix = (out_suffix,)
        elif not (isinstance(out_suffix, Sequence) and all(isinstance(s, str) for s in out_suffix)):
            raise TypeError(
                f"LoggerHook: out_suffix must be a str or a sequence of str, got {out_suffix!r}"
            )
        if out_dir is None and file_client_args is not None:
            raise ValueError("LoggerHook: file_client_args is only used with out_dir; set out_dir")
        self.interval = interval
        self.ignore_last = ignore_last
        self.interval_exp_name = interval_exp_name
        self.out_dir = None if out_dir is None else os.fspath(out_dir)
        self.out_suffix = tuple(out_suffix)
        self.keep_local = keep_local
        self.log_metric_by_epoch = log_metric_by_epoch
        self.backend_args = resolve_backend_args(file_client_args, backend_args)
        self.json_log_path: str | None = None
        self._train_len: int | None = None  # batches in the current train epoch

    def before_run(self, runner: Any) -> None:
        if self.out_dir is not None:
            self.file_backend = get_file_backend(self.out_dir, backend_args=self.backend_args)
            basename = osp.basename(str(runner.work_dir).rstrip(osp.sep))
            self.out_dir = self.file_backend.join_path(self.out_dir, basename)
            runner.logger.info(f"Text logs will be saved to {self.out_dir} after the run.")
        self.json_log_path = f"{runner.timestamp}.json"

    def before_train_epoch(self, runner: Any) -> None:
        # read once per epoch: len(DataLoader) asks the sampler and dataset on every call
        self._train_len = len(runner.train_dataloader)

    def after_train(self, runner: Any) -> None:
        self._train_len = None

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        length = self._train_len
        if length is None:  # called outside a train epoch
            length = len(runner.train_dataloader)
        last = batch_idx + 1 == length  # end_of_epoch
        if last or (runner.iter + 1) % self.interval_exp_name == 0:
            runner.logger.info(f"Exp name: {runner.experiment_name}")
        if (batch_idx + 1) % self.interval == 0 or (
            last and (not self.ignore_last or length <= self.interval)
        ):
            tag, log_str = runner.log_processor.get_log_after_iter(runner, batch_idx, "train")
            runner.logger.info(log_str)
            runner.visualizer.add_scalars(tag, step=runner.iter + 1, file_path=self.json_log_path)

    def after_val_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        if self.every_n_inner_iters(batch_idx, self.interval):
            _, log_str = runner.log_processor.get_log_after_iter(runner, batch_idx, "val")
            runner.logger.info(log_str)

    def after_test_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        if self.every_n_inner_iters(batch_idx, self.interval):
            _, log_str = runner.log_processor.get_log_after_iter(runner, batch_idx, "test")
            runner.logger.info(log_str)

    def after_val_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        tag, log_str = runner.log_processor.get_log_after_epoch(
            runner, len(runner.val_dataloader), "val"
        )
        runner.logger.info(log_str)
        # validation without training (runner.val()): step 0, and the train loop (a config
        # dict until used) is not built just to read its position
        loop = runner._train_loop if hasattr(runner, "_train_loop") else runner.train_loop
        trained = loop is not None and not isinstance(loop, dict)
        if self.log_metric_by_epoch:
            step = runner.epoch if trained else 0
        else:
            step = runner.iter if trained else 0
        runner.visualizer.add_scalars(tag, step=step, file_path=self.json_log_path)

    def after_test_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        tag, log_str = runner.log_processor.get_log_after_epoch(
            runner, len(runner.test_dataloader), "test", with_non_scalar=True
        )
        runner.logger.info(log_str)
        if is_main_process():  # the ranks share log_dir: one writer
            dump(_plain(tag), osp.join(runner.log_dir, self.json_log_path))

    def after_run(self, runner: Any) -> None:
        runner.visualizer.close()
        if self.out_dir is None or not is_main_process():  # rank 0 owns the log files
            return
        uploaded = []
        for root, _, files in os.walk(runner.log_dir):
            for name in sorted(files):
                if not name.endswith(self.out_suffix):
                    continue
                local = osp.join(root, name)
                relative = osp.relpath(local, runner.log_dir)
                target = self.file_backend.join_path(self.out_dir, *relative.split(os.sep))
                with open(local, "rb") as file:
                    self.file_backend.put(file.read(), target)
                uploaded.append(local)
                runner.logger.info(f"The file {local} has been uploaded to {target}.")
        if not self.keep_local:
            # close file handlers first: an open log file cannot be removed everywhere
            for handler in runner.logger.handlers:
                if isinstance(handler, logging.FileHandler):
                    handler.close()
            for local in uploaded:
                os.remove(local)


def _plain(value: Any) -> Any:
    """``value`` with tensors/arrays as lists and numpy scalars as numbers; other objects
    (not JSON-serialisable) are dropped, as MMEngine does."""
    if isinstance(value, dict):
        return {k: v for k, v in ((k, _plain(v)) for k, v in value.items()) if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return None
