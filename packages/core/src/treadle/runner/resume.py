"""The Runner's checkpoint side: save, load, resume (MMEngine's methods and meta keys).

IO goes through ``treadle.runner.checkpoint``. Beyond MMEngine's contents a
checkpoint holds the RNG states and the train loop's data position
(``checkpoint['loop']``), so a run resumed from any checkpoint — an iteration
one in the middle of an epoch included — continues with the same batches and
random draws as an unbroken run.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

from treadle.model.wrappers import unwrap_model
from treadle.runner.checkpoint import (
    _load_checkpoint,
    _load_checkpoint_to_model,
    find_loadable_checkpoint,
    get_state_dict,
    rng_state,
    set_rng_state,
    weights_to_cpu,
)
from treadle.runner.checkpoint.sharded import (
    consolidate_optimizers,
    is_sharded,
    load_model_state,
    load_optimizer_state,
    model_state,
    optimizer_state,
)
from treadle.runner.checkpoint.state import revise_keys

DEFAULT_REVISE_KEYS = [(r"^module\.", "")]


def plain(value: Any) -> Any:
    """``value`` with numpy values and mappings turned into the types ``weights_only`` loads."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(item) for item in value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _scheduler_states(schedulers: Any) -> Any:
    if isinstance(schedulers, dict):
        return {name: [s.state_dict() for s in group] for name, group in schedulers.items()}
    return [scheduler.state_dict() for scheduler in schedulers]


def _load_scheduler_states(schedulers: Any, states: Any) -> None:
    if isinstance(schedulers, dict):
        for name, group in schedulers.items():
            for scheduler, state in zip(group, states[name], strict=True):
                scheduler.load_state_dict(state)
        return
    for scheduler, state in zip(schedulers, states, strict=True):
        scheduler.load_state_dict(state)


class ResumeMixin:
    """``save_checkpoint``, ``load_checkpoint``, ``resume`` and ``load_or_resume`` of Runner."""

    def _bare_model(self) -> Any:
        return unwrap_model(self.model)

    def save_checkpoint(
        self,
        out_dir: str,
        filename: str,
        file_client_args: dict | None = None,
        save_optimizer: bool = True,
        save_param_scheduler: bool = True,
        meta: dict | None = None,
        by_epoch: bool = True,
        backend_args: dict | None = None,
    ) -> None:
        """Save model, optimizer, schedulers, message hub, loop position and RNG states.

        Only rank 0 writes. ``meta`` gains MMEngine's keys (``epoch``/``iter`` counted
        as completed, ``cfg`` as text, ``seed``, ``dataset_meta``, ``experiment_name``).
        """
        from treadle import __version__, fileio
        from treadle.runner.checkpoint import save_checkpoint

        if meta is not None and not isinstance(meta, dict):
            raise TypeError(f"meta must be a dict or None, got {type(meta).__name__}")
        weights, optimizer = self._states_to_save(save_optimizer)
        if self._rank != 0:
            return
        meta = dict(meta or {})
        loop = self.train_loop
        # called from after_train_epoch/after_train_iter, before the loop counts them;
        # a caller's own epoch/iter (e.g. a best checkpoint saved during validation) win
        if by_epoch:
            meta.setdefault("epoch", self.epoch + 1)
            meta.setdefault("iter", self.iter)
        else:
            meta.setdefault("epoch", self.epoch)
            meta.setdefault("iter", self.iter + 1)
        meta.update(
            cfg=self.cfg.pretty_text if len(self.cfg) else "",
            seed=self.seed,
            experiment_name=self.experiment_name,
            time=time.strftime("%Y%m%d_%H%M%S", time.localtime()),
            treadle_version=__version__,
            dataset_meta=plain(getattr(loop.dataloader.dataset, "metainfo", None)),
        )
        checkpoint: dict[str, Any] = dict(
            meta=meta,
            state_dict=weights,
            message_hub=self.message_hub.state_dict(),
        )
        if optimizer is not None:
            checkpoint["optimizer"] = optimizer
        if save_param_scheduler and self.param_schedulers:
            checkpoint["param_schedulers"] = _scheduler_states(self.param_schedulers)
        if hasattr(loop, "state_dict"):
            state = loop.state_dict()
            # a loop that counts in its own run_iter/run_epoch (MMEngine's pattern) does not
            # keep the batch position: its checkpoints resume from meta's epoch/iter instead
            if (state.get("epoch"), state.get("iter")) == (meta["epoch"], meta["iter"]):
                checkpoint["loop"] = state
        checkpoint["rng_state"] = rng_state()
        self.call_hook("before_save_checkpoint", checkpoint=checkpoint)
        filepath = fileio.join_path(os.fspath(out_dir), filename)
        save_checkpoint(checkpoint, filepath, file_client_args, backend_args)

    def _states_to_save(self, save_optimizer: bool) -> tuple[Any, Any]:
        """The model weights and optimizer state to save (None where there are none); a
        sharded model's are gathered by every rank, as is a ZeRO optimizer's state; the
        rest is read by rank 0 alone."""
        wrapper = self.optim_wrapper
        if not (save_optimizer and hasattr(wrapper, "state_dict")):
            wrapper = None
        if is_sharded(self.model):
            optimizer = None if wrapper is None else optimizer_state(self.model, wrapper)
            return model_state(self.model), optimizer
        if wrapper is not None:
            consolidate_optimizers(wrapper)
        if self._rank != 0:
            return None, None
        weights = weights_to_cpu(get_state_dict(self._bare_model()))
        return weights, None if wrapper is None else wrapper.state_dict()

    def load_checkpoint(
        self,
        filename: str,
        map_location: Any = "cpu",
        strict: bool = False,
        revise_keys: list = DEFAULT_REVISE_KEYS,
    ) -> dict:
        """Load weights from ``filename`` into the model; returns the checkpoint."""
        checkpoint = _load_checkpoint(filename, map_location, self.logger)
        return self._apply_weights(checkpoint, filename, strict, revise_keys)

    def _apply_weights(self, checkpoint: dict, filename: str, strict: bool, revisions) -> dict:
        self.call_hook("after_load_checkpoint", checkpoint=checkpoint)
        if is_sharded(self.model):
            weights = revise_keys(checkpoint.get("state_dict", checkpoint), revisions)
            misfits = load_model_state(self.model, weights, strict)
            if misfits.missing_keys or misfits.unexpected_keys:
                self.logger.warning(f"The model and the checkpoint {filename} differ: {misfits}")
        else:
            _load_checkpoint_to_model(
                self._bare_model(), checkpoint, strict, self.logger, revisions, source=filename
            )
        # by hand too (load_checkpoint/resume): a later train()/val()/test() keeps these
        self._has_loaded = True
        self.logger.info(f"Load checkpoint from {filename}")
        return checkpoint

    def resume(
        self,
        filename: str,
        resume_optimizer: bool = True,
        resume_param_scheduler: bool = True,
        map_location: Any = "default",
        checkpoint: dict | None = None,
    ) -> None:
        """Continue training from ``filename``: weights, optimizer, schedulers, position, RNG."""
        if checkpoint is None:
            location = "cpu" if map_location == "default" else map_location
            checkpoint = _load_checkpoint(filename, location, self.logger)
        meta = checkpoint.get("meta", {})
        loop = self.train_loop
        position = dict(epoch=meta.get("epoch", 0), iter=meta.get("iter", 0))
        if not hasattr(loop, "load_state_dict"):  # a custom loop on BaseLoop: as MMEngine does
            loop._epoch, loop._iter = position["epoch"], position["iter"]
        elif "loop" in checkpoint:
            loop.load_state_dict(checkpoint["loop"])
        else:  # an MMEngine checkpoint, or a loop counting on its own: whole epochs only
            loop.load_state_dict(position)
        self._apply_weights(checkpoint, filename, False, DEFAULT_REVISE_KEYS)
        resumed_seed = meta.get("seed")
        if resumed_seed is not None and resumed_seed != self.seed:
            if self._randomness_cfg.get("seed") is not None:  # a drawn seed is not a choice
                self.logger.warning(
                    f"The seed of the checkpoint ({resumed_seed}) differs from this run's "
                    f"({self.seed}); using the checkpoint's"
                )
            self._randomness_cfg.update(seed=resumed_seed)
            self.set_randomness(**self._randomness_cfg)
        dataset_meta = plain(getattr(loop.dataloader.dataset, "metainfo", None))
        if meta.get("dataset_meta") != dataset_meta:  # also one the checkpoint lacks
            self.logger.warning(
                "The dataset metainfo of the checkpoint differs from the current dataset's"
            )
        if "message_hub" in checkpoint:
            self.message_hub.load_state_dict(checkpoint["message_hub"])
        if resume_optimizer and "optimizer" in checkpoint:
            self.optim_wrapper = self.build_optim_wrapper(self.optim_wrapper)
            if is_sharded(self.model):
                load_optimizer_state(self.model, self.optim_wrapper, checkpoint["optimizer"])
            else:
                self.optim_wrapper.load_state_dict(checkpoint["optimizer"])
        if resume_param_scheduler and self.param_schedulers and "param_schedulers" in checkpoint:
            # built first when resume() is called by hand before train(), as MMEngine does
            self.param_schedulers = self.build_param_scheduler(self.param_schedulers)
            _load_scheduler_states(self.param_schedulers, checkpoint["param_schedulers"])
        if "rng_state" in checkpoint:
            set_rng_state(checkpoint["rng_state"])
        self.logger.info(f"resumed epoch: {loop.epoch}, iter: {loop.iter} (from {filename})")

    def load_or_resume(self) -> None:
        """Resume (``resume=True``: the newest loadable checkpoint in work_dir) or load weights."""
        if self._has_loaded:
            return
        if self._resume and self._load_from is None:
            found = find_loadable_checkpoint(self._work_dir, "cpu", self.logger)
            if found is not None:
                self.resume(*found[:1], checkpoint=found[1])
        elif self._resume:
            self.resume(self._load_from)
        elif self._load_from is not None:
            self.load_checkpoint(self._load_from)
        self._has_loaded = True
