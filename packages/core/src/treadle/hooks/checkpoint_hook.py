"""``CheckpointHook``: save checkpoints periodically, keep the newest N and the best ones.

Saving goes through ``runner.save_checkpoint`` (which writes atomically); this hook
decides when and under which name, removes old checkpoints, writes the
``last_checkpoint`` marker in ``work_dir`` for ``resume``, tracks the best
checkpoint per metric, and publishes a slim, hash-suffixed copy after training.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import os.path as osp
from collections import deque
from collections.abc import Sequence
from typing import Any, ClassVar

import torch

from treadle.dist import is_main_process
from treadle.fileio import get_file_backend
from treadle.fileio.io import resolve_backend_args
from treadle.hooks.early_stopping_hook import (
    DEFAULT_GREATER_KEYS,
    DEFAULT_LESS_KEYS,
    RULES,
    infer_rule,
)
from treadle.hooks.hook import Hook
from treadle.registry import HOOKS

INIT_VALUES = {"greater": -math.inf, "less": math.inf}


def _str_list(value: Any, name: str, may_be_empty: bool = False) -> list[str]:
    if isinstance(value, str):
        return [value]
    if (
        isinstance(value, Sequence)
        and (value or may_be_empty)
        and all(isinstance(v, str) for v in value)
    ):
        return list(value)
    raise TypeError(
        f"CheckpointHook: {name} must be a str or a {'' if may_be_empty else 'non-empty '}"
        f"list of str, got {value!r}"
    )


def _distinct(values: list[str], name: str) -> list[str]:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"CheckpointHook: {name} names {repeated} more than once")
    return values


@HOOKS.register_module()
class CheckpointHook(Hook):
    """Save checkpoints every ``interval`` epochs/iterations, the last one, and the best ones.

    Args:
        interval: save every this many epochs (``by_epoch``) or iterations; -1: never
            periodically (``save_last`` still saves at the end).
        by_epoch: count ``interval`` in epochs or in iterations.
        save_optimizer: store the optimizer state (needed to resume).
        save_param_scheduler: store the schedulers' states (needed to resume).
        out_dir: where to save; defaults to ``work_dir``. Any fileio URI; the last
            directory name of ``work_dir`` is appended to it.
        max_keep_ckpts: keep only the newest this many periodic checkpoints (-1: all).
        save_last: save at the last epoch/iteration even off the interval.
        save_best: metric key(s) whose best checkpoint is kept (``'auto'``: the first metric).
        rule: ``'greater'``/``'less'`` (one, or one per ``save_best`` key); inferred from the
            key name with ``greater_keys``/``less_keys`` when None.
        greater_keys, less_keys: key fragments meaning greater/less is better (replacing
            the defaults when given).
        file_client_args: deprecated spelling of ``backend_args``.
        filename_tmpl: checkpoint file name with one ``{}`` for the epoch/iteration;
            ``epoch_{}.pth`` or ``iter_{}.pth`` by default.
        backend_args: arguments of the ``out_dir`` storage backend.
        published_keys: after training, publish the last checkpoint (with ``save_last``) and
            the best ones with only these keys as ``<name>-<sha256[:8]>.pth``.
        save_begin: the first epoch/iteration counted for ``interval``.
        **kwargs: passed to ``runner.save_checkpoint``.
    """

    priority = "VERY_LOW"
    #: rule name -> ``better(score, best)`` and the best score before any validation;
    #: a subclass may add rules to both
    rule_map = RULES
    init_value_map = INIT_VALUES
    #: metric-name fragments for which greater/less is better when the rule is inferred
    #: (MMEngine's; a downstream subclass may extend them, e.g. with 'psnr' or 'lpips')
    _default_greater_keys: ClassVar[list[str]] = list(DEFAULT_GREATER_KEYS)
    _default_less_keys: ClassVar[list[str]] = list(DEFAULT_LESS_KEYS)

    def __init__(
        self,
        interval: int = -1,
        by_epoch: bool = True,
        save_optimizer: bool = True,
        save_param_scheduler: bool = True,
        out_dir: str | os.PathLike | None = None,
        max_keep_ckpts: int = -1,
        save_last: bool = True,
        save_best: str | list[str] | None = None,
        rule: str | list[str | None] | None = None,
        greater_keys: Sequence[str] | None = None,
        less_keys: Sequence[str] | None = None,
        file_client_args: dict | None = None,
        filename_tmpl: str | None = None,
        backend_args: dict | None = None,
        published_keys: str | list[str] | None = None,
        save_begin: int = 0,
        **kwargs: Any,
    ) -> None:
        if not isinstance(interval, int) or isinstance(interval, bool):
            raise TypeError(f"CheckpointHook: interval must be an int, got {interval!r}")
        if not isinstance(save_begin, int) or save_begin < 0:
            raise ValueError(f"CheckpointHook: save_begin must be an int >= 0, got {save_begin!r}")
        self.interval = interval
        self.by_epoch = by_epoch
        self.save_optimizer = save_optimizer
        self.save_param_scheduler = save_param_scheduler
        self.out_dir = None if out_dir is None else os.fspath(out_dir)
        self.max_keep_ckpts = max_keep_ckpts
        self.save_last = save_last
        self.args = kwargs
        self.backend_args = resolve_backend_args(file_client_args, backend_args)
        if filename_tmpl is None:
            filename_tmpl = "epoch_{}.pth" if by_epoch else "iter_{}.pth"
        self.filename_tmpl = filename_tmpl
        self.save_begin = save_begin
        self.published_keys = (
            None
            if published_keys is None
            else _distinct(_str_list(published_keys, "published_keys"), "published_keys")
        )
        self.greater_keys = (
            list(self._default_greater_keys)
            if greater_keys is None
            else _str_list(greater_keys, "greater_keys", may_be_empty=True)
        )
        self.less_keys = (
            list(self._default_less_keys)
            if less_keys is None
            else _str_list(less_keys, "less_keys", may_be_empty=True)
        )
        self.save_best = (
            None if save_best is None else _distinct(_str_list(save_best, "save_best"), "save_best")
        )
        self.key_indicators: list[str] = []
        self.rules: list[str | None] = []
        self.is_better_than: dict[str, Any] = {}
        self.best_ckpt_path: str | None = None
        self.best_ckpt_path_dict: dict[str, str | None] = {}
        if self.save_best is not None:
            if "auto" in self.save_best and len(self.save_best) > 1:
                raise ValueError(
                    f"CheckpointHook: save_best='auto' picks one metric and cannot be combined "
                    f"with others, got {self.save_best}"
                )
            rules = rule if isinstance(rule, list) else [rule]
            if len(rules) == 1:  # one rule for every key
                rules = rules * len(self.save_best)
            self._init_rule(rules, self.save_best)
        elif rule is not None:
            raise ValueError("CheckpointHook: rule is only used with save_best; set save_best")
        self.last_ckpt: str | None = None
        self.keep_ckpt_ids: deque = deque()
        self.file_backend: Any = None  # set by before_train

    # -- rules -----------------------------------------------------------------------------
    def _init_rule(self, rules: list[str | None], key_indicators: list[str]) -> None:
        if len(rules) != len(key_indicators):
            raise ValueError(
                f"CheckpointHook: rule needs 1 value or one per save_best key; got "
                f"{len(rules)} rules for save_best={key_indicators}"
            )
        self.rules = []
        for rule, key in zip(rules, key_indicators, strict=True):
            if rule is not None and rule not in self.rule_map:
                raise ValueError(
                    f"CheckpointHook: rule must be one of {sorted(self.rule_map)} or None, "
                    f"got {rule!r}"
                )
            if rule is None and key != "auto":
                rule = infer_rule(key, self.greater_keys, self.less_keys)
            if rule is not None:
                self.is_better_than[key] = self.rule_map[rule]
            self.rules.append(rule)
        self.key_indicators = key_indicators

    # -- hook points -----------------------------------------------------------------------
    def before_train(self, runner: Any) -> None:
        work_dir = os.fspath(runner.work_dir)
        if self.out_dir is None:
            self.out_dir = work_dir
        self.file_backend = get_file_backend(self.out_dir, backend_args=self.backend_args)
        if self.out_dir != work_dir:
            basename = osp.basename(work_dir.rstrip(osp.sep))
            self.out_dir = self.file_backend.join_path(self.out_dir, basename)
        runner.logger.info(f"Checkpoints will be saved to {self.out_dir}.")
        hub = runner.message_hub
        if self.save_best is not None:
            if len(self.key_indicators) == 1:
                self.best_ckpt_path = hub.get_info("best_ckpt")
            else:
                for key in self.key_indicators:
                    self.best_ckpt_path_dict[key] = hub.get_info(f"best_ckpt_{key}")
        if self.max_keep_ckpts > 0:
            kept = list(hub.get_info("keep_ckpt_ids") or [])
            while len(kept) > self.max_keep_ckpts:
                self._remove(self.filename_tmpl.format(kept.pop(0)))
            self.keep_ckpt_ids = deque(kept, self.max_keep_ckpts)

    def get_triggered_stages(self) -> list[str]:
        """As the base class, less the iteration point when saving by epoch and the method
        is this class's (it does nothing then): the dispatcher leaves it out of every
        training iteration. ``by_epoch`` is read when the hook is registered."""
        stages = super().get_triggered_stages()
        if self.by_epoch and type(self).after_train_iter is CheckpointHook.after_train_iter:
            return [stage for stage in stages if stage != "after_train_iter"]
        return stages

    def after_train_epoch(self, runner: Any) -> None:
        if not self.by_epoch:
            return
        if self.every_n_epochs(runner, self.interval, self.save_begin) or (
            self.save_last and self.is_last_train_epoch(runner)
        ):
            runner.logger.info(f"Saving checkpoint at {runner.epoch + 1} epochs")
            self._save_checkpoint(runner)

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        if self.by_epoch:
            return
        if self.every_n_train_iters(runner, self.interval, self.save_begin) or (
            self.save_last and self.is_last_train_iter(runner)
        ):
            runner.logger.info(f"Saving checkpoint at {runner.iter + 1} iterations")
            self._save_checkpoint(runner)

    def after_val_epoch(self, runner: Any, metrics: dict[str, Any] | None = None) -> None:
        if self.file_backend is None:
            return  # runner.val() without training: nothing to checkpoint
        if not metrics:
            runner.logger.warning(
                "The metrics are empty: CheckpointHook skips saving the best checkpoint for "
                "this evaluation."
            )
            return
        self._save_best_checkpoint(runner, metrics)

    def after_train(self, runner: Any) -> None:
        """Publish the last checkpoint (with ``save_last``) and every best one, as MMEngine."""
        if self.published_keys is None:
            return
        sources = [self.last_ckpt] if self.save_last and self.last_ckpt is not None else []
        sources += [self.best_ckpt_path, *self.best_ckpt_path_dict.values()]
        sources = [source for source in sources if source is not None]
        if not sources:
            runner.logger.warning("CheckpointHook: no checkpoint was saved, nothing to publish")
        for source in sources:
            self._publish_model(runner, source)

    # -- saving ----------------------------------------------------------------------------
    def _save_checkpoint(self, runner: Any) -> None:
        if self.by_epoch:
            step = runner.epoch + 1
            meta = dict(epoch=step, iter=runner.iter)
        else:
            step = runner.iter + 1
            meta = dict(epoch=runner.epoch, iter=step)
        self._save_checkpoint_with_step(runner, step, meta)

    def _save_checkpoint_with_step(self, runner: Any, step: int, meta: dict) -> None:
        # the best-checkpoint update saves the same step again: count it once
        if self.max_keep_ckpts > 0 and (not self.keep_ckpt_ids or self.keep_ckpt_ids[-1] != step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                self._remove(self.filename_tmpl.format(self.keep_ckpt_ids.popleft()))
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info("keep_ckpt_ids", list(self.keep_ckpt_ids))
        filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info("last_ckpt", self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            filename,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args,
        )
        if is_main_process():
            # imported here: treadle.runner's package may import the hooks
            from treadle.runner.checkpoint import write_last_checkpoint

            write_last_checkpoint(runner.work_dir, self.last_ckpt)

    def _save_best_checkpoint(self, runner: Any, metrics: dict[str, Any]) -> None:
        if not self.save_best:
            return
        if self.by_epoch:
            step, unit = runner.epoch, "epoch"
        else:
            step, unit = runner.iter, "iter"
        filename = self.filename_tmpl.format(step)
        meta = dict(epoch=runner.epoch, iter=runner.iter)
        if "auto" in self.key_indicators:
            self._init_rule(self.rules, [next(iter(metrics))])
        hub = runner.message_hub
        updated = False
        single = len(self.key_indicators) == 1
        for key, rule in zip(self.key_indicators, self.rules, strict=True):
            if key not in metrics:
                raise KeyError(
                    f"CheckpointHook: save_best key {key!r} is not among the metrics "
                    f"{sorted(metrics)}; set save_best to one of them"
                )
            score = metrics[key]
            score_key = "best_score" if single else f"best_score_{key}"
            ckpt_key = "best_ckpt" if single else f"best_ckpt_{key}"
            best = hub.get_info(score_key, self.init_value_map[rule])
            if score is None or not self.is_better_than[key](score, best):
                continue
            updated = True
            hub.update_info(score_key, score)
            previous = self.best_ckpt_path if single else self.best_ckpt_path_dict.get(key)
            if previous and is_main_process() and self._remove_path(previous):
                runner.logger.info(f"The previous best checkpoint {previous} is removed")
            best_name = f"best_{key}_{filename}".replace("/", "_")
            path = self.file_backend.join_path(self.out_dir, best_name)
            if single:
                self.best_ckpt_path = path
            else:
                self.best_ckpt_path_dict[key] = path
            hub.update_info(ckpt_key, path)
            runner.save_checkpoint(
                self.out_dir,
                filename=best_name,
                save_optimizer=False,
                save_param_scheduler=False,
                meta=meta,
                by_epoch=False,
                backend_args=self.backend_args,
            )
            runner.logger.info(
                f"The best checkpoint with {score:0.4f} {key} at {step} {unit} is saved to "
                f"{best_name}."
            )
        # the periodic checkpoint of this step was saved before validation: save it again so
        # the message hub it holds knows the new best
        if updated and self.last_ckpt is not None:
            self._save_checkpoint_with_step(runner, step, meta)

    def _remove(self, filename: str) -> None:
        if is_main_process():
            self._remove_path(self.file_backend.join_path(self.out_dir, filename))

    def _remove_path(self, path: str) -> bool:
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
            return True
        if self.file_backend.isdir(path):
            self.file_backend.rmtree(path)
            return True
        return False

    # -- publishing ------------------------------------------------------------------------
    def _publish_model(self, runner: Any, path: str) -> None:
        """On rank 0, write ``path`` with only ``published_keys`` as
        ``<stem>-<sha256[:8]>.pth`` (MMEngine's name for this step, which subclasses
        override)."""
        if not is_main_process():
            return
        from treadle.runner.checkpoint import _load_checkpoint

        checkpoint = _load_checkpoint(path, map_location="cpu", backend_args=self.backend_args)
        kept = {key: checkpoint[key] for key in self.published_keys if key in checkpoint}
        missing = [key for key in self.published_keys if key not in checkpoint]
        if missing:
            raise KeyError(
                f"CheckpointHook: published_keys {missing} are not in {path}, which holds "
                f"{sorted(checkpoint)}"
            )
        buffer = io.BytesIO()
        torch.save(kept, buffer)
        data = buffer.getvalue()
        digest = hashlib.sha256(data).hexdigest()[:8]
        target = f"{osp.splitext(path)[0]}-{digest}.pth"
        self.file_backend.put(data, target)
        runner.logger.info(f"The checkpoint {path} is published to {target}.")
