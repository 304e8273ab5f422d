"""Build the runner's components from objects or config dicts (MMEngine's semantics).

Each function takes what the user passed to ``Runner`` — an object, a config dict,
or None — and returns the built object, so ``runner.py`` only wires them together.
"""

from __future__ import annotations

import copy
import functools
import math
import warnings
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader

from treadle.logging import print_log
from treadle.registry import (
    DATA_SAMPLERS,
    DATASETS,
    EVALUATOR,
    FUNCTIONS,
    LOG_PROCESSORS,
    LOOPS,
    MODEL_WRAPPERS,
    MODELS,
    OPTIM_WRAPPERS,
    PARAM_SCHEDULERS,
    VISUALIZERS,
)


def _plain(cfg: Any) -> dict:
    """A deep copy of a config mapping as a plain dict (``ConfigDict`` included)."""
    return copy.deepcopy(dict(cfg))


def build_model(model: nn.Module | dict) -> nn.Module:
    """The model: an ``nn.Module`` as it is, or built from MODELS by its config dict."""
    if isinstance(model, nn.Module):
        return model
    if not isinstance(model, dict):
        raise TypeError(f"model must be an nn.Module or a config dict, got {type(model).__name__}")
    return MODELS.build(_plain(model))


def wrap_model(
    model: nn.Module,
    model_wrapper_cfg: dict | None,
    distributed: bool,
    find_unused_parameters: bool = False,
    sync_bn: str | None = None,
) -> nn.Module:
    """Move ``model`` to the current device and, when distributed, wrap it for DDP.

    Without ``model_wrapper_cfg`` the wrapper is ``MMDistributedDataParallel`` with
    MMEngine's ``broadcast_buffers=False`` and the config's top-level
    ``find_unused_parameters``; a ``model_wrapper_cfg`` is built as given (``type``
    defaulting to ``MMDistributedDataParallel``), plus the current GPU as ``device_ids``
    for a DDP wrapper, as MMEngine does. As MMEngine does too, a single process turns
    ``SyncBatchNorm`` layers back into plain BatchNorm, and a distributed run with the
    config's ``sync_bn='torch'`` turns every BatchNorm into ``SyncBatchNorm``.
    """
    from torch.nn.parallel import DistributedDataParallel

    from treadle.model import convert_sync_batchnorm, is_model_wrapper, revert_sync_batchnorm

    if is_model_wrapper(model):
        if model_wrapper_cfg is not None:
            raise TypeError(
                "model is already wrapped; do not also pass model_wrapper_cfg (remove one of them)"
            )
        return model
    device = (
        torch.device(f"cuda:{torch.cuda.current_device()}") if torch.cuda.is_available() else None
    )
    if device is not None:
        model = model.to(device)
    if not distributed:
        if any(isinstance(module, nn.SyncBatchNorm) for module in model.modules()):
            print_log(
                "SyncBatchNorm layers become BatchNorm: this run is not distributed",
                logger="current",
            )
            model = revert_sync_batchnorm(model)
        return model
    if sync_bn is not None:
        if sync_bn != "torch":
            raise ValueError(
                f"sync_bn={sync_bn!r}: use 'torch' (torch.nn.SyncBatchNorm; MMEngine's 'mmcv' "
                "needs mmcv's compiled ops, which Treadle does not have)"
            )
        has_batchnorm = any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())
        if device is None and has_batchnorm:
            raise ValueError(
                "sync_bn='torch' needs CUDA: torch's SyncBatchNorm only runs on GPU modules; "
                "remove sync_bn from the config to train on CPU"
            )
        model = convert_sync_batchnorm(model, sync_bn)
    if model_wrapper_cfg is None:
        cfg = dict(
            type="MMDistributedDataParallel",
            broadcast_buffers=False,
            find_unused_parameters=find_unused_parameters,
        )
    else:
        cfg = _plain(model_wrapper_cfg)
        cfg.setdefault("type", "MMDistributedDataParallel")
    wrapper_type = MODEL_WRAPPERS.get(cfg["type"]) if isinstance(cfg["type"], str) else cfg["type"]
    is_ddp = isinstance(wrapper_type, type) and issubclass(wrapper_type, DistributedDataParallel)
    if device is not None and is_ddp:
        cfg.setdefault("device_ids", [device.index])
    cfg["module"] = model
    with warnings.catch_warnings():
        if model_wrapper_cfg is None:
            # torch deprecates broadcast_buffers, but its replacement still syncs buffers at
            # init, which MMEngine's default (False) does not: the warning is ours to keep
            warnings.filterwarnings(
                "ignore", message="`broadcast_buffers` is deprecated", category=FutureWarning
            )
        return MODEL_WRAPPERS.build(cfg)


def build_dataloader(
    dataloader: DataLoader | dict, seed: int | None = None, diff_rank_seed: bool = False
) -> DataLoader:
    """A ``DataLoader`` from its config dict (MMEngine's ``Runner.build_dataloader``).

    ``dataset`` comes from DATASETS, ``sampler`` from DATA_SAMPLERS (given ``seed``
    unless it sets its own; with ``diff_rank_seed``, a seed the ranks agree on),
    ``collate_fn`` from FUNCTIONS (default ``pseudo_collate``), and workers are seeded
    by ``worker_init_fn``. Given a ``seed``, the loader draws its worker base seed from its
    own generator, so creating an iterator leaves the global RNG untouched: that keeps
    resumed runs bitwise-exact (without one, torch draws it from the global RNG).
    """
    if isinstance(dataloader, DataLoader):
        return dataloader
    from treadle.dataset import worker_init_fn
    from treadle.dataset.collate import collate_fn_from_cfg
    from treadle.dist import get_dist_info

    cfg = _plain(dataloader)
    for key in ("dataset", "sampler"):
        if key not in cfg:
            raise KeyError(
                f"dataloader config needs {key!r} (e.g. sampler=dict(type='DefaultSampler', "
                f"shuffle=True)); got keys {sorted(cfg)}"
            )
    dataset_cfg = cfg.pop("dataset")
    dataset = DATASETS.build(dataset_cfg) if isinstance(dataset_cfg, dict) else dataset_cfg
    if hasattr(dataset, "full_init"):
        dataset.full_init()
    rank, world_size = get_dist_info()
    num_batch_per_epoch = cfg.pop("num_batch_per_epoch", None)
    if num_batch_per_epoch is not None:  # a short epoch for debugging (MMEngine's key)
        per_batch = cfg.get("batch_size", (cfg.get("batch_sampler") or {}).get("batch_size", 1))
        dataset = _FirstSamples(dataset, num_batch_per_epoch * per_batch * world_size)
    # with per-rank seeds the samplers still need one shared seed: None makes them agree on one
    sampler_seed = None if diff_rank_seed else seed
    sampler_cfg = cfg.pop("sampler")
    if isinstance(sampler_cfg, dict):
        sampler = DATA_SAMPLERS.build(
            sampler_cfg, default_args=dict(dataset=dataset, seed=sampler_seed)
        )
    else:
        sampler = sampler_cfg
    batch_sampler_cfg = cfg.pop("batch_sampler", None)
    batch_sampler = None
    if isinstance(batch_sampler_cfg, dict):
        batch_sampler = DATA_SAMPLERS.build(
            batch_sampler_cfg,
            default_args=dict(sampler=sampler, batch_size=cfg.pop("batch_size", 1)),
        )
    elif batch_sampler_cfg is not None:
        batch_sampler = batch_sampler_cfg
    collate_fn = collate_fn_from_cfg(cfg.pop("collate_fn", None))
    num_workers = cfg.get("num_workers", 0)
    quiet = cfg.pop("disable_subprocess_warning", False)
    init_fn = None
    if isinstance(cfg.get("worker_init_fn"), dict):  # the function and only its own kwargs
        wcfg = dict(cfg.pop("worker_init_fn"))
        kind = wcfg.pop("type")
        init_fn = functools.partial(FUNCTIONS.get(kind) if isinstance(kind, str) else kind, **wcfg)
    elif seed is not None and "worker_init_fn" not in cfg:
        init_fn = functools.partial(
            worker_init_fn,
            num_workers=num_workers,
            rank=rank,
            seed=seed,
            disable_subprocess_warning=quiet,
        )
    if init_fn is not None:
        cfg["worker_init_fn"] = init_fn
    if seed is not None:  # the workers' base seed from the run's seed, not the global RNG
        generator = torch.Generator()
        generator.manual_seed(seed)
        cfg.setdefault("generator", generator)
    if batch_sampler is not None:
        cfg.pop("shuffle", None)
        return DataLoader(dataset, batch_sampler=batch_sampler, collate_fn=collate_fn, **cfg)
    return DataLoader(dataset, sampler=sampler, collate_fn=collate_fn, **cfg)


class _FirstSamples:
    """The first ``length`` samples of ``dataset``; other attributes are the dataset's."""

    def __init__(self, dataset: Any, length: int) -> None:
        self._dataset = dataset
        self._length = min(length, len(dataset))

    def __getattr__(self, name: str) -> Any:
        if name == "_dataset":  # not set yet (unpickling in a spawned worker)
            raise AttributeError(name)
        return getattr(self._dataset, name)

    def __getitem__(self, index: int) -> Any:
        if not -self._length <= index < self._length:
            raise IndexError(f"index {index} out of range for {self._length} samples")
        return self._dataset[index % self._length]

    def __len__(self) -> int:
        return self._length


def build_optim_wrapper(model: nn.Module, optim_wrapper: Any) -> Any:
    """The optimizer wrapper: an object, a wrapper config, or a dict of wrapper configs."""
    from treadle.optim import BaseOptimWrapper, OptimWrapperDict
    from treadle.optim import build_optim_wrapper as build

    if isinstance(optim_wrapper, BaseOptimWrapper):
        return optim_wrapper
    if isinstance(optim_wrapper, torch.optim.Optimizer):
        raise TypeError(
            "optim_wrapper must be an OptimWrapper or its config dict, not a bare optimizer; "
            "write optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01))"
        )
    if not isinstance(optim_wrapper, dict):
        raise TypeError(
            f"optim_wrapper must be an OptimWrapper or a config dict, got "
            f"{type(optim_wrapper).__name__}"
        )
    optimizer = optim_wrapper.get("optimizer")
    if isinstance(optimizer, torch.optim.Optimizer):  # used as it is: a copy would step
        cfg = _plain({k: v for k, v in optim_wrapper.items() if k != "optimizer"})
        cfg.setdefault("type", "OptimWrapper")  # copies of the model's parameters
        return OPTIM_WRAPPERS.build(dict(cfg, optimizer=optimizer))
    if "constructor" in optim_wrapper or "optimizer" in optim_wrapper or "type" in optim_wrapper:
        return build(model, _plain(optim_wrapper))
    # a dict of optimizer wrappers, one per sub-module (GANs), built on their parts
    configs = [
        name for name, value in optim_wrapper.items() if not isinstance(value, BaseOptimWrapper)
    ]
    if configs:
        raise ValueError(
            f"optim_wrapper: {configs} are configs in a dict of several optimizer wrappers; "
            "without a constructor each would get every parameter of the model. Pass "
            "OptimWrapper objects built on each part's parameters, or add "
            "constructor='<an optimizer wrapper constructor that splits the model>'"
        )
    return OptimWrapperDict(**optim_wrapper)


def build_param_schedulers(
    scheduler: Any, optim_wrapper: Any, train_loop: Any = None
) -> list | dict:
    """Schedulers for ``optim_wrapper`` (a list, or a dict per wrapper of a wrapper dict).

    With a built ``train_loop``, a scheduler config without ``end`` ends with training:
    ``max_iters`` when ``by_epoch=False``, else the epochs the run covers (MMEngine's
    ``max_epochs``; for an iteration-based loop, where MMEngine uses 1, the epochs its
    iterations span). The loader's length converts ``convert_to_iter_based=True`` configs.
    """
    from treadle.optim import OptimWrapperDict

    if scheduler is None:
        return []
    if isinstance(optim_wrapper, OptimWrapperDict) and not (
        isinstance(scheduler, dict) and "type" in scheduler
    ):
        if isinstance(scheduler, dict):
            return {
                name: _schedulers_for(scheduler[name], optim_wrapper[name], train_loop)
                for name in scheduler
            }
        return {
            name: _schedulers_for(scheduler, wrapper, train_loop)
            for name, wrapper in optim_wrapper.items()
        }
    return _schedulers_for(scheduler, optim_wrapper, train_loop)


def _schedulers_for(scheduler: Any, optim_wrapper: Any, train_loop: Any) -> list:
    items = scheduler if isinstance(scheduler, (list, tuple)) else [scheduler]
    built = []
    for item in items:
        if not isinstance(item, dict):
            built.append(item)
            continue
        cfg = _plain(item)
        if train_loop is not None and "end" not in cfg:
            default_end = _training_length(train_loop, cfg.get("by_epoch", True))
            if default_end is not None:
                cfg["end"] = default_end
        default_args: dict[str, Any] = dict(optimizer=optim_wrapper)
        if cfg.get("convert_to_iter_based", False):
            if train_loop is None:
                raise ValueError(
                    f"param_scheduler {cfg.get('type')} has convert_to_iter_based=True, which "
                    "needs the train dataloader's length; set train_dataloader"
                )
            default_args["epoch_length"] = len(train_loop.dataloader)
        built.append(PARAM_SCHEDULERS.build(cfg, default_args=default_args))
    return built


def _training_length(train_loop: Any, by_epoch: bool) -> int | None:
    """The run's length in iterations, or in the epochs that cover its iterations (an
    iteration-based loop's ``max_epochs`` is 1 whatever its length)."""
    max_iters = getattr(train_loop, "max_iters", None)
    if not by_epoch:
        return max_iters
    epochs = getattr(train_loop, "max_epochs", None)
    per_epoch = len(train_loop.dataloader) if hasattr(train_loop.dataloader, "__len__") else 0
    if max_iters and per_epoch:
        epochs = max(epochs or 0, math.ceil(max_iters / per_epoch))
    return epochs


def build_evaluator(evaluator: Any) -> Any:
    """An ``Evaluator`` from an object, a metric config, a list of them, or an evaluator cfg."""
    from treadle.evaluator import Evaluator

    if isinstance(evaluator, Evaluator):
        return evaluator
    if isinstance(evaluator, dict):
        cfg = _plain(evaluator)
        if "metrics" in cfg:
            cfg.setdefault("type", "Evaluator")
            return EVALUATOR.build(cfg)
        return Evaluator(cfg)
    if isinstance(evaluator, (list, tuple)):
        return Evaluator(list(evaluator))
    return Evaluator(evaluator)


def build_log_processor(log_processor: Any) -> Any:
    """The ``LogProcessor`` (default: MMEngine's defaults)."""
    from treadle.logging import LogProcessor

    if log_processor is None:
        return LogProcessor()
    if isinstance(log_processor, dict):
        cfg = _plain(log_processor)
        cfg.setdefault("type", "LogProcessor")
        return LOG_PROCESSORS.build(cfg)
    return log_processor


def build_visualizer(visualizer: Any, name: str, log_dir: str) -> Any:
    """The ``Visualizer`` instance named ``name`` (default: a local backend in ``log_dir``)."""
    from treadle.visualization import Visualizer

    if isinstance(visualizer, Visualizer):
        return visualizer
    if visualizer is None:
        visualizer = dict(type="Visualizer", vis_backends=[dict(type="LocalVisBackend")], name=name)
    cfg = _plain(visualizer)
    cfg.setdefault("type", "Visualizer")
    cfg.setdefault("name", name)
    cfg.setdefault("save_dir", log_dir)
    if Visualizer.check_instance_created(cfg["name"]):
        return Visualizer.get_instance(cfg["name"])
    return VISUALIZERS.build(cfg)


def build_train_loop(runner: Any, loop: Any, dataloader: Any) -> Any:
    """The train loop of ``train_cfg``: ``by_epoch`` picks a built-in one, ``type`` a LOOPS one."""
    from treadle.runner.loops import BaseLoop, EpochBasedTrainLoop, IterBasedTrainLoop

    if isinstance(loop, BaseLoop):
        return loop
    cfg = _plain(loop)
    if "type" in cfg and "by_epoch" in cfg:
        raise ValueError(
            f"train_cfg has both type={cfg['type']!r} and by_epoch; keep only one of them"
        )
    if "type" in cfg:
        return LOOPS.build(cfg, default_args=dict(runner=runner, dataloader=dataloader))
    by_epoch = cfg.pop("by_epoch", True)
    loop_cls = EpochBasedTrainLoop if by_epoch else IterBasedTrainLoop
    return loop_cls(**cfg, runner=runner, dataloader=dataloader)


def build_eval_loop(runner: Any, loop: Any, dataloader: Any, evaluator: Any, stage: str) -> Any:
    """The ``stage`` ('val' or 'test') loop: ValLoop/TestLoop unless ``type`` names another."""
    from treadle.runner.loops import BaseLoop, TestLoop, ValLoop

    if isinstance(loop, BaseLoop):
        return loop
    cfg = _plain(loop)
    if "type" in cfg:
        return LOOPS.build(
            cfg, default_args=dict(runner=runner, dataloader=dataloader, evaluator=evaluator)
        )
    loop_cls = ValLoop if stage == "val" else TestLoop
    return loop_cls(**cfg, runner=runner, dataloader=dataloader, evaluator=evaluator)


def batch_size_of(loader: DataLoader) -> int:
    """The batch size of ``loader``, also when a ``batch_sampler`` (mmdet's
    ``AspectRatioBatchSampler``) makes the batches."""
    size = loader.batch_size
    if size is None:
        size = getattr(loader.batch_sampler, "batch_size", None)
    if not isinstance(size, int):
        raise ValueError(
            f"cannot tell the batch size of the train dataloader: neither it nor its batch "
            f"sampler ({type(loader.batch_sampler).__name__}) has an int batch_size"
        )
    return size


def scale_lr(optim_wrapper: Any, auto_scale_lr: dict | None, real_batch_size: int) -> None:
    """Scale every learning rate by ``real_batch_size / auto_scale_lr['base_batch_size']``."""
    if not auto_scale_lr or not auto_scale_lr.get("enable", False):
        return
    if "base_batch_size" not in auto_scale_lr:
        raise KeyError(
            "auto_scale_lr needs base_batch_size, the total batch size the learning rate "
            f"was tuned for; got {dict(auto_scale_lr)}"
        )
    ratio = real_batch_size / auto_scale_lr["base_batch_size"]
    print_log(
        f"auto_scale_lr: learning rates scaled by {ratio:g}, the real total batch size "
        f"{real_batch_size} over base_batch_size {auto_scale_lr['base_batch_size']}",
        logger="current",
    )
    wrappers = optim_wrapper.values() if hasattr(optim_wrapper, "values") else [optim_wrapper]
    for wrapper in wrappers:
        for group in wrapper.param_groups:
            group["lr"] = group["lr"] * ratio


def build_optim_wrappers_for_amp(optim_wrapper: dict) -> dict:
    """``optim_wrapper`` switched to ``AmpOptimWrapper`` (``treadle train --amp``)."""
    cfg = _plain(optim_wrapper)
    if cfg.get("type", "OptimWrapper") == "AmpOptimWrapper":
        return cfg
    if cfg.get("type", "OptimWrapper") != "OptimWrapper":
        raise ValueError(
            f"--amp switches optim_wrapper type OptimWrapper to AmpOptimWrapper, but the config "
            f"uses {cfg['type']!r}; set AMP in that wrapper's own options"
        )
    cfg["type"] = "AmpOptimWrapper"
    cfg.setdefault("loss_scale", "dynamic")
    return cfg


__all__ = [
    "build_dataloader",
    "build_eval_loop",
    "build_evaluator",
    "build_log_processor",
    "build_model",
    "build_optim_wrapper",
    "build_optim_wrappers_for_amp",
    "build_param_schedulers",
    "build_train_loop",
    "build_visualizer",
    "scale_lr",
    "wrap_model",
]
