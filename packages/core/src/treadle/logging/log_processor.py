"""``LogProcessor``: turns the MessageHub's scalars into log lines and tag dicts.

The LoggerHook calls ``get_log_after_iter`` every ``interval`` iterations and
``get_log_after_epoch`` at the end of validation and testing; it prints the string
and hands the tag dict to the Visualizer. Formats are MMEngine's, e.g.::

    Epoch(train) [1][ 10/100]  lr: 1.0000e-02  eta: 0:00:09  time: 0.0100  data_time: 0.0010  ...
    Epoch(val) [1][10/10]    accuracy: 90.0000  data_time: 0.0010  time: 0.0100

The runner it reads needs: ``message_hub``, ``iter``, ``epoch``, ``max_epochs``,
``max_iters``, ``train_loop``/``val_loop``/``test_loop`` (each with a ``dataloader``
that has a length) and, on CUDA, ``model`` (its ``output_device``). A runner that
keeps a not-yet-built train loop in ``_train_loop`` (a dict) is read through that
attribute, so logging validation never builds the train loop.
"""

from __future__ import annotations

import copy
import datetime
import re
import sys
from collections import OrderedDict
from itertools import chain
from typing import Any

from treadle.registry import LOG_PROCESSORS

_MODES = ("train", "val", "test")


def _has_train_loop(runner: Any) -> bool:
    loop = runner._train_loop if hasattr(runner, "_train_loop") else runner.train_loop
    return not (loop is None or isinstance(loop, dict))


def _remove_prefix(key: str, prefix: str) -> str:
    return key[len(prefix) :] if key.startswith(prefix) else key


def _copy_values(values: OrderedDict) -> OrderedDict:
    """A copy of ``values`` sharing the numbers (immutable) and deep-copying anything else
    (a custom statistic may return an array the two copies must not share)."""
    copied = OrderedDict(values)
    for key, value in copied.items():
        if not isinstance(value, (int, float)):
            copied[key] = copy.deepcopy(value)
    return copied


def _cuda_available() -> bool:
    torch = sys.modules.get("torch")  # a process that never imported torch uses no GPU
    return torch is not None and torch.cuda.is_available()


@LOG_PROCESSORS.register_module()
class LogProcessor:
    """Format the logged scalars of the current run.

    Args:
        window_size: smoothing window (iterations) for keys matching ``mean_pattern``;
            other keys show their newest value.
        by_epoch: headers count iterations within an epoch (``Epoch(train) [e][i/n]``)
            instead of over the run (``Iter(train) [i/max_iters]``).
        custom_cfg: extra or replaced statistics, each a dict with ``data_src`` (the key
            without its ``train/``/``val/`` prefix), ``method_name`` (a HistoryBuffer
            statistics method), optional ``log_name`` (default: replace ``data_src``) and
            the method's arguments; ``window_size`` may be an int, ``'epoch'`` or ``'global'``.
        num_digits: digits after the point for floats.
        log_with_hierarchy: keep the ``train/``, ``val/`` prefixes in the tag dict.
        mean_pattern: regex of the keys to smooth over ``window_size``.
    """

    def __init__(
        self,
        window_size: int = 10,
        by_epoch: bool = True,
        custom_cfg: list[dict] | None = None,
        num_digits: int = 4,
        log_with_hierarchy: bool = False,
        mean_pattern: str = r".*(loss|time|data_time|grad_norm).*",
    ) -> None:
        if not isinstance(window_size, int) or isinstance(window_size, bool) or window_size < 1:
            raise ValueError(
                f"LogProcessor window_size must be an int >= 1, got {window_size!r} "
                "('epoch' and 'global' windows go in custom_cfg entries)"
            )
        self.window_size = window_size
        self.by_epoch = by_epoch
        self.custom_cfg = list(custom_cfg) if custom_cfg else []
        self.num_digits = num_digits
        self.log_with_hierarchy = log_with_hierarchy
        self.mean_pattern = re.compile(mean_pattern)
        self._check_custom_cfg()

    def _check_custom_cfg(self) -> None:
        names: dict[str, str] = {}
        for index, cfg in enumerate(self.custom_cfg):
            where = f"LogProcessor custom_cfg[{index}]"
            if not isinstance(cfg, dict):
                raise TypeError(f"{where} must be a dict, got {type(cfg).__name__}")
            for key in ("data_src", "method_name"):
                if key not in cfg:
                    raise ValueError(
                        f"{where} = {dict(cfg)} lacks {key!r}; write e.g. "
                        "dict(data_src='loss', method_name='mean', window_size='global')"
                    )
            log_name = cfg.get("log_name", cfg["data_src"])
            if log_name in names:
                raise ValueError(
                    f"{where}: log name {log_name!r} is already produced by "
                    f"data_src={names[log_name]!r}; give each statistic its own log_name "
                    "(without one, an entry replaces its data_src, which only one entry may do)"
                )
            names[log_name] = cfg["data_src"]
            window = cfg.get("window_size")
            if window == "epoch" and not self.by_epoch:
                raise ValueError(
                    f"{where}: window_size='epoch' needs by_epoch=True; use an int or 'global'"
                )
            valid_int = isinstance(window, int) and not isinstance(window, bool) and window >= 1
            if window is not None and not valid_int and window not in ("epoch", "global"):
                raise ValueError(
                    f"{where}: window_size must be an int >= 1, 'epoch' or 'global', got {window!r}"
                )

    def _parse_windows_size(
        self, runner: Any, batch_idx: int, custom_cfg: list[dict] | None = None
    ) -> list[dict]:
        """A copy of ``custom_cfg`` with ``'epoch'``/``'global'`` windows made ints."""
        parsed = []
        for cfg in self.custom_cfg if custom_cfg is None else custom_cfg:
            cfg = dict(cfg)  # the entries' values are only read: a shallow copy suffices
            window = cfg.get("window_size")
            if window == "epoch":
                cfg["window_size"] = batch_idx + 1
            elif window == "global":  # the run so far; without training, every value
                cfg["window_size"] = runner.iter + 1 if _has_train_loop(runner) else None
            parsed.append(cfg)
        return parsed

    def get_log_after_iter(self, runner: Any, batch_idx: int, mode: str) -> tuple[dict, str]:
        """The tag dict and the log line after iteration ``batch_idx`` of ``mode``."""
        self._check_mode(mode, _MODES)
        parsed_cfg = self._parse_windows_size(runner, batch_idx)
        log_tag = self._collect_scalars(parsed_cfg, runner, mode)
        if self.log_with_hierarchy:
            tag = self._collect_scalars(parsed_cfg, runner, mode, reserve_prefix=True)
        else:
            tag = _copy_values(log_tag)

        lr_parts = []
        for key, value in tag.items():
            if key.endswith("lr"):
                key = _remove_prefix(key, f"{mode}/")
                log_tag.pop(key)
                lr_parts.append(f"{key}: {value:.{self.num_digits}e}")
        lr_str = " ".join(lr_parts)

        train_loop = _has_train_loop(runner)
        if self.by_epoch:
            dataloader_len = self._get_dataloader_size(runner, mode)
            cur_iter = str(self._get_iter(runner, batch_idx)).rjust(len(str(dataloader_len)))
            if mode in ("train", "val"):
                cur_epoch = self._get_epoch(runner, mode)
                epoch_str = f"[{cur_epoch}]"
                if train_loop:  # right-align epochs to the widest one: "  [9]" ... "[100]"
                    epoch_str = epoch_str.rjust(len(str(runner.max_epochs)) + 3)
                tag["epoch"] = cur_epoch
                log_str = f"Epoch({mode}){epoch_str}[{cur_iter}/{dataloader_len}]  "
            else:
                log_str = f"Epoch({mode}) [{cur_iter}/{dataloader_len}]  "
        elif mode == "train":
            cur_iter = str(self._get_iter(runner, batch_idx)).rjust(len(str(runner.max_iters)))
            log_str = f"Iter({mode}) [{cur_iter}/{runner.max_iters}]  "
        else:
            dataloader_len = self._get_dataloader_size(runner, mode)
            cur_iter = str(batch_idx + 1).rjust(len(str(dataloader_len)))
            log_str = f"Iter({mode}) [{cur_iter}/{dataloader_len}]  "
        tag["iter"] = runner.iter + 1 if train_loop else 0

        log_str += f"{lr_str}  "
        if (
            "time" in log_tag
            and "data_time" in log_tag
            and "eta" in runner.message_hub.runtime_info
        ):
            eta = datetime.timedelta(seconds=int(runner.message_hub.get_info("eta")))
            log_str += (
                f"eta: {eta}  time: {log_tag.pop('time'):.{self.num_digits}f}  "
                f"data_time: {log_tag.pop('data_time'):.{self.num_digits}f}  "
            )
        if _cuda_available():
            memory = self._get_max_memory(runner)
            log_str += f"memory: {memory}  "
            tag["memory"] = memory

        if mode in ("train", "val"):
            items = []
            for name, value in log_tag.items():
                if mode == "val" and not name.startswith("val/loss"):
                    continue
                items.append(f"{name}: {self._format(value)}")
            log_str += "  ".join(items)
        return tag, log_str

    def get_log_after_epoch(
        self, runner: Any, batch_idx: int, mode: str, with_non_scalar: bool = False
    ) -> tuple[dict, str]:
        """The tag dict and the summary line at the end of a val or test epoch.

        ``time`` and ``data_time`` are averaged over the epoch and put last; runtime
        info of this mode (e.g. a confusion matrix) is printed, and added to the tag
        dict with ``with_non_scalar=True``.
        """
        self._check_mode(mode, ("val", "test"))
        dataloader_len = self._get_dataloader_size(runner, mode)
        if not self.by_epoch:
            log_str = f"Iter({mode}) [{dataloader_len}/{dataloader_len}]  "
        elif mode == "val":
            cur_epoch = self._get_epoch(runner, mode)
            log_str = f"Epoch({mode}) [{cur_epoch}][{dataloader_len}/{dataloader_len}]  "
        else:
            log_str = f"Epoch({mode}) [{dataloader_len}/{dataloader_len}]  "

        custom_cfg = list(self.custom_cfg)  # appended to below; entries are copied when parsed
        custom_keys = {_remove_prefix(cfg["data_src"], f"{mode}/") for cfg in custom_cfg}
        for key in ("time", "data_time"):
            if key not in custom_keys:
                custom_cfg.append(dict(data_src=key, window_size="epoch", method_name="mean"))
        parsed_cfg = self._parse_windows_size(runner, batch_idx, custom_cfg)
        collected = self._collect_scalars(parsed_cfg, runner, mode, self.log_with_hierarchy)
        non_scalars = self._collect_non_scalars(runner, mode)

        time_keys = (f"{mode}/time", f"{mode}/data_time", "time", "data_time")
        tag: OrderedDict[str, Any] = OrderedDict()
        time_tag: OrderedDict[str, Any] = OrderedDict()
        for key, value in collected.items():
            (time_tag if key in time_keys else tag)[key] = value
        items = []
        for name, value in chain(tag.items(), non_scalars.items(), time_tag.items()):
            items.append(f"{name}: {self._format(value)}")
        log_str += "  " + "  ".join(items)
        if with_non_scalar:
            tag.update(non_scalars)
        tag.update(time_tag)
        return tag, log_str

    def _format(self, value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.{self.num_digits}f}"
        if type(value).__module__ in ("numpy", "torch") and getattr(value, "ndim", 0) > 0:
            return f"\n{value}\n"  # arrays and tensors on their own lines
        return str(value)

    @staticmethod
    def _check_mode(mode: str, allowed: tuple[str, ...]) -> None:
        if mode not in allowed:
            raise ValueError(f"LogProcessor mode must be one of {list(allowed)}, got {mode!r}")

    def _collect_scalars(
        self, custom_cfg: list[dict], runner: Any, mode: str, reserve_prefix: bool = False
    ) -> OrderedDict:
        """This mode's scalars: smoothed or newest values, then the custom statistics."""
        mode_scalars: OrderedDict[str, Any] = OrderedDict()
        prefix = f"{mode}/"
        for key, buffer in runner.message_hub.log_scalars.items():
            if key.startswith(mode):
                if not reserve_prefix and key.startswith(prefix):
                    key = key[len(prefix) :]
                mode_scalars[key] = buffer
        tag: OrderedDict[str, Any] = OrderedDict()
        for key, buffer in mode_scalars.items():
            if self.mean_pattern.search(key) is not None:
                tag[key] = buffer.mean(self.window_size)
            else:
                tag[key] = buffer.current()
        for cfg in custom_cfg:
            cfg = dict(cfg)
            data_src = cfg.pop("data_src")
            log_name = cfg.pop("log_name", data_src)
            if reserve_prefix:
                data_src, log_name = f"{mode}/{data_src}", f"{mode}/{log_name}"
            if data_src in mode_scalars:
                tag[log_name] = mode_scalars[data_src].statistics(**cfg)
        return tag

    def _collect_non_scalars(self, runner: Any, mode: str) -> OrderedDict:
        """This mode's runtime info (``val/...`` keys for ``'val'``)."""
        infos: OrderedDict[str, Any] = OrderedDict()
        for key, value in runner.message_hub.runtime_info.items():
            if key.startswith(mode):
                infos[key if self.log_with_hierarchy else _remove_prefix(key, f"{mode}/")] = value
        return infos

    def _get_max_memory(self, runner: Any) -> int:
        """Peak CUDA memory in MB since the last call (the peak counter is then reset)."""
        import torch

        device = getattr(getattr(runner, "model", None), "output_device", None)
        mem_mb = int(torch.cuda.max_memory_allocated(device=device)) // (1024 * 1024)
        torch.cuda.reset_peak_memory_stats(device)
        return mem_mb

    def _get_iter(self, runner: Any, batch_idx: int | None = None) -> int:
        """1-based iteration: within the epoch when ``by_epoch``, else over the run."""
        if self.by_epoch and batch_idx is not None:
            return batch_idx + 1
        return runner.iter + 1

    def _get_epoch(self, runner: Any, mode: str) -> int:
        """1-based epoch being trained; for val, the epoch just trained (0 without training)."""
        if mode == "train":
            return runner.epoch + 1
        if mode == "val":
            return runner.epoch if _has_train_loop(runner) else 0
        raise ValueError(f"LogProcessor has no epoch for mode {mode!r} (only train and val)")

    def _get_cur_loop(self, runner: Any, mode: str) -> Any:
        return getattr(runner, f"{mode}_loop")

    def _get_dataloader_size(self, runner: Any, mode: str) -> int:
        return len(self._get_cur_loop(runner, mode).dataloader)
