"""``BaseInferencer``: MMEngine's inference interface (``mmengine.infer``).

An inferencer is built from a config (a path, ``'scope::path'``, a ``Config`` or a
dict), a model name from a plugin's model index, or only a checkpoint that
carries its config. Calling it runs four steps on a list of inputs: ``preprocess``
(the pipeline, then batches through the collate function), ``forward``
(``model.test_step`` without gradients), ``visualize`` and ``postprocess``.
Subclasses provide ``_init_pipeline``, ``visualize`` and ``postprocess``, and say
which keyword arguments of ``__call__`` go to which step in the four
``*_kwargs`` class attributes.
"""

from __future__ import annotations

import copy
import math
import os
import re
import time
import warnings
from abc import ABCMeta, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

import torch
from torch import nn

from treadle.config import Config, ConfigDict

STEPS = ("preprocess", "forward", "visualize", "postprocess")


class InferencerMeta(ABCMeta):
    """Checks, when a subclass is defined, that its four ``*_kwargs`` are sets naming each
    keyword once (a keyword in two sets could not be routed)."""

    def __init__(cls, name: str, bases: tuple, namespace: dict) -> None:
        super().__init__(name, bases, namespace)
        seen: dict[str, str] = {}
        for step in STEPS:
            keys = getattr(cls, f"{step}_kwargs")
            if not isinstance(keys, (set, frozenset)):
                raise TypeError(
                    f"{name}.{step}_kwargs must be a set of keyword names, "
                    f"got {type(keys).__name__}"
                )
            for key in keys:
                if key in seen:
                    raise TypeError(
                        f"{name}: keyword {key!r} is in both {seen[key]}_kwargs and "
                        f"{step}_kwargs; each keyword of __call__ goes to one step"
                    )
                seen[key] = step


class BaseInferencer(metaclass=InferencerMeta):
    """Inference for a downstream task: the workflow, built from a config and weights.

    Args:
        model: a config file path (``'scope::path.py'`` included), a ``Config``/dict,
            a model name (or alias) from the model index of plugin ``scope``, or None
            when ``weights`` is a checkpoint holding its config.
        weights: the checkpoint (path, fileio URI or URL); a model name brings its own.
        device: where to run; None picks the first available accelerator, else CPU.
        scope: the registry scope to build in, and the plugin whose model index names
            models; default: the current default scope.
        show_progress: show a progress bar over the batches (on a terminal).
    """

    preprocess_kwargs: ClassVar[set[str]] = set()
    forward_kwargs: ClassVar[set[str]] = set()
    visualize_kwargs: ClassVar[set[str]] = set()
    postprocess_kwargs: ClassVar[set[str]] = set()

    def __init__(
        self,
        model: str | os.PathLike | dict | None = None,
        weights: str | None = None,
        device: str | None = None,
        scope: str | None = None,
        show_progress: bool = True,
    ) -> None:
        from treadle.registry import DefaultScope

        if scope is None:
            scope = DefaultScope.current_scope_name()
        self.scope = scope
        cfg, weights = self._config_and_weights(model, weights)
        if device is None:
            from treadle.device import get_device

            device = get_device()
        with DefaultScope.overwrite_default_scope(scope):
            self.model = self._init_model(cfg, weights, device)
            self.pipeline = self._init_pipeline(cfg)
            self.collate_fn = self._init_collate(cfg)
            self.visualizer = self._init_visualizer(cfg)
        self.cfg = cfg
        self.show_progress = show_progress

    def _config_and_weights(self, model: Any, weights: str | None) -> tuple[ConfigDict, Any]:
        if isinstance(model, os.PathLike):
            model = os.fspath(model)
        if isinstance(model, str):
            if "::" in model or os.path.isfile(model):
                return Config.fromfile(model), weights
            cfg, listed = self._load_model_from_metafile(model)
            return cfg, listed if weights is None else weights
        if isinstance(model, Config):
            return copy.deepcopy(model), weights
        if isinstance(model, dict):
            return ConfigDict(copy.deepcopy(model)), weights
        if model is None:
            if weights is None:
                raise ValueError(
                    "give model (a config or a model name) or weights: with model=None the "
                    "config is read from the checkpoint, so weights must name one"
                )
            return ConfigDict(), weights
        raise TypeError(
            f"model must be a config path, a Config or dict, a model name or None, "
            f"got {type(model).__name__}: {model!r}"
        )

    # --- calling ------------------------------------------------------------------------------

    def __call__(
        self, inputs: Any, return_datasamples: bool = False, batch_size: int = 1, **kwargs: Any
    ) -> dict:
        """Run the four steps on ``inputs`` and return what ``postprocess`` makes of them.

        ``kwargs`` are routed to the step whose ``*_kwargs`` names them.
        """
        preprocess_kwargs, forward_kwargs, visualize_kwargs, postprocess_kwargs = (
            self._dispatch_kwargs(**kwargs)
        )
        _check_batch_size(batch_size)
        ori_inputs = self._inputs_to_list(inputs)
        batches = self.preprocess(ori_inputs, batch_size=batch_size, **preprocess_kwargs)
        preds: list = []
        for batch in self._progress(batches, math.ceil(len(ori_inputs) / batch_size)):
            preds.extend(self.forward(batch, **forward_kwargs))
        visualization = self.visualize(ori_inputs, preds, **visualize_kwargs)
        return self.postprocess(preds, visualization, return_datasamples, **postprocess_kwargs)

    def _progress(self, batches: Iterable, total: int) -> Iterator:
        if not self.show_progress:
            yield from batches
            return
        from treadle.logging import ProgressReporter

        with ProgressReporter(total, "Inference") as progress:
            for batch in batches:
                yield batch
                progress.update()

    def _inputs_to_list(self, inputs: Any) -> list:
        """A list of inputs: a list or tuple as it is, a directory (local or fileio URI) as
        its files in name order, anything else as the one input."""
        if isinstance(inputs, (str, os.PathLike)):
            from treadle.fileio import isdir, join_path, list_dir_or_file

            path = os.fspath(inputs)
            if not path.startswith(("http://", "https://")) and isdir(path):
                names = sorted(list_dir_or_file(path, list_dir=False))
                return [join_path(path, name) for name in names]
        if isinstance(inputs, (list, tuple)):
            return list(inputs)
        return [inputs]

    def preprocess(self, inputs: list, batch_size: int = 1, **kwargs: Any) -> Iterator:
        """Batches of ``batch_size`` inputs, each through the pipeline, then collated."""
        chunks = self._get_chunk_data(map(self.pipeline, inputs), batch_size)
        yield from map(self.collate_fn, chunks)

    @torch.no_grad()
    def forward(self, inputs: Any, **kwargs: Any) -> Any:
        """The model's predictions for one batch (``model.test_step``)."""
        return self.model.test_step(inputs)

    @abstractmethod
    def visualize(self, inputs: list, preds: Any, show: bool = False, **kwargs: Any) -> Any:
        """Draw the predictions (e.g. a list of images)."""

    @abstractmethod
    def postprocess(
        self, preds: Any, visualization: Any, return_datasample: bool = False, **kwargs: Any
    ) -> dict:
        """Pack ``predictions`` (plain data unless data samples are asked for) and
        ``visualization`` into the returned dict."""

    # --- building -----------------------------------------------------------------------------

    def _init_model(self, cfg: ConfigDict, weights: str | None, device: str) -> nn.Module:
        """Build ``cfg.model``, load ``weights`` into it, move it to ``device``, eval mode.
        Without a config, the checkpoint's own (saved by the runner) is used."""
        from treadle.registry import MODELS
        from treadle.runner.checkpoint.io import _load_checkpoint

        checkpoint = None
        if weights is not None:
            checkpoint = _load_checkpoint(weights, map_location="cpu")
        if not cfg:
            cfg.update(_config_in(checkpoint, weights))
        if "model" not in cfg:
            raise KeyError(
                "the inferencer's config has no 'model' to build "
                f"(keys: {sorted(cfg)}); give the config the model was trained with"
            )
        cfg.model.pop("pretrained", None)
        model = MODELS.build(cfg.model)
        model.cfg = cfg
        self._load_weights_to_model(model, checkpoint, cfg)
        return model.to(device).eval()

    def _load_weights_to_model(
        self, model: nn.Module, checkpoint: dict | None, cfg: ConfigDict | None
    ) -> None:
        """Load ``checkpoint``'s weights (subclasses may also read its metadata here)."""
        from treadle.runner.checkpoint.io import _load_checkpoint_to_model

        if checkpoint is None:
            warnings.warn(
                "no weights were given: the inferencer predicts with a randomly initialised model",
                UserWarning,
                stacklevel=3,
            )
            return
        _load_checkpoint_to_model(model, checkpoint)

    @abstractmethod
    def _init_pipeline(self, cfg: ConfigDict) -> Callable:
        """The transform applied to each single input (e.g. the test pipeline)."""

    def _init_collate(self, cfg: ConfigDict) -> Callable:
        """The test dataloader's ``collate_fn``, else ``pseudo_collate``."""
        from treadle.dataset.collate import collate_fn_from_cfg

        test_dataloader = cfg.get("test_dataloader")
        collate = test_dataloader.get("collate_fn") if isinstance(test_dataloader, dict) else None
        return collate_fn_from_cfg(collate)

    def _init_visualizer(self, cfg: ConfigDict) -> Any:
        """The config's visualizer under a name no other visualizer has, or None."""
        if "visualizer" not in cfg:
            return None
        from treadle.registry import VISUALIZERS
        from treadle.visualization import Visualizer

        timestamp = str(time.time())
        name = cfg.visualizer.get("name", timestamp)
        if Visualizer.check_instance_created(name):
            name = f"{name}-{timestamp}"
        cfg.visualizer.name = name
        return VISUALIZERS.build(cfg.visualizer)

    @staticmethod
    def _get_chunk_data(inputs: Iterable, chunk_size: int) -> Iterator[list]:
        """``inputs`` in lists of ``chunk_size`` (the last may be shorter)."""
        _check_batch_size(chunk_size)
        chunk: list = []
        for item in inputs:
            chunk.append(item)
            if len(chunk) == chunk_size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _dispatch_kwargs(self, **kwargs: Any) -> tuple[dict, dict, dict, dict]:
        """``kwargs`` split by step, as the ``*_kwargs`` class attributes say."""
        routed: tuple[dict, dict, dict, dict] = ({}, {}, {}, {})
        unknown = []
        for key, value in kwargs.items():
            for index, step in enumerate(STEPS):
                if key in getattr(self, f"{step}_kwargs"):
                    routed[index][key] = value
                    break
            else:
                unknown.append(key)
        if unknown:
            accepted = {step: sorted(getattr(self, f"{step}_kwargs")) for step in STEPS}
            raise ValueError(
                f"{type(self).__name__} got unknown argument(s) {sorted(unknown)}; "
                f"it accepts, per step: {accepted}"
            )
        return routed

    # --- the model index -----------------------------------------------------------------------

    def _load_model_from_metafile(self, model: str) -> tuple[Config, str | None]:
        """The config and weights of the model named ``model`` in plugin ``scope``'s index."""
        from treadle.hub.model_index import ModelIndexError, index_path, model_entries

        if self.scope is None:
            raise ValueError(
                f"{model!r} is not a file, so it is taken as a model name; give scope= (the "
                "plugin whose model index lists it) or a config path"
            )
        for entry in model_entries(self.scope):
            if entry.answers_to(model):
                return Config.fromfile(entry.config), entry.weights
        raise ModelIndexError(
            f"no model named {model!r} in {index_path(self.scope)} (neither a Name nor an "
            f"Alias); BaseInferencer.list_models({self.scope!r}) lists them"
        )

    @staticmethod
    def list_models(scope: str | None = None, patterns: str = r".*") -> list[str]:
        """Names and aliases of the models in plugin ``scope``'s index matching the regular
        expression ``patterns`` (from the start of the name)."""
        from treadle.hub.model_index import model_entries
        from treadle.logging import print_log
        from treadle.registry import DefaultScope

        scope = scope if scope is not None else DefaultScope.current_scope_name()
        if scope is None:
            raise ValueError("list_models needs a scope: no default scope is set")
        names = [
            name
            for entry in model_entries(scope)
            for name in (entry.name, *entry.aliases)
            if re.match(patterns, name)
        ]
        print_log("".join(f"model_name: {name}\n" for name in names), logger="current")
        return names


def _check_batch_size(batch_size: int) -> None:
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")


def _config_in(checkpoint: Any, weights: Any) -> dict:
    """The config text a runner checkpoint keeps, parsed."""
    text = None
    if isinstance(checkpoint, dict):
        text = checkpoint.get("message_hub", {}).get("runtime_info", {}).get("cfg")
        if text is None:
            text = checkpoint.get("meta", {}).get("cfg")
    if not isinstance(text, str):
        raise KeyError(
            f"checkpoint {weights} holds no config (looked in message_hub.runtime_info.cfg "
            "and meta.cfg); give the inferencer the config as model="
        )
    return Config.fromstring(text, file_format=".py").to_dict()
