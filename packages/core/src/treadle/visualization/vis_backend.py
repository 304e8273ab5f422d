"""Visualization backends: the ``BaseVisBackend`` contract and ``LocalVisBackend``.

Contract for backends (plugins register theirs in ``VISBACKENDS``):

- ``__init__(save_dir, ...)`` only stores its arguments: no files, connections or
  imports of the backend's SDK. Building a runner must not start an experiment.
- ``_init_env()`` does that work. Every method that needs it is decorated with
  :func:`force_init_env`, which calls ``_init_env()`` once, on first use.
- ``experiment`` returns the backend's handle (a SummaryWriter, a W&B run ...),
  initialising the environment if needed.
- ``add_config``, ``add_graph``, ``add_image``, ``add_scalar``, ``add_scalars``
  write; the base class's versions do nothing, so a backend implements only what
  it supports. ``add_scalars`` takes ``file_path`` for backends that write files.
- ``close()`` flushes and releases what ``_init_env`` opened; it is a no-op when
  the environment was never initialised.
- The Visualizer only calls these on rank 0.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from abc import ABCMeta, abstractmethod
from collections.abc import Callable
from typing import Any, TypeVar

from treadle.logging import print_log
from treadle.registry import VISBACKENDS
from treadle.visualization.png import check_image, write_png

F = TypeVar("F", bound=Callable[..., Any])


def force_init_env(method: F) -> F:
    """Decorate a backend method so that ``_init_env()`` runs (once) before it."""

    @functools.wraps(method)
    def wrapper(backend: Any, *args: Any, **kwargs: Any) -> Any:
        if not hasattr(backend, "_init_env"):
            raise AttributeError(
                f"{type(backend).__name__} uses @force_init_env but has no _init_env(); "
                "subclass BaseVisBackend and implement _init_env"
            )
        if not getattr(backend, "_env_initialized", False):
            print_log(
                f"{type(backend).__name__}: initialising its environment on first use",
                logger="current",
                level=logging.DEBUG,
            )
            backend._env_initialized = True
            backend._init_env()
        return method(backend, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class BaseVisBackend(metaclass=ABCMeta):
    """Base of visualization backends (see the module docstring for the contract).

    Args:
        save_dir: where the backend may write its files.
    """

    def __init__(self, save_dir: str) -> None:
        self._save_dir = save_dir
        self._env_initialized = False

    @property
    @abstractmethod
    def experiment(self) -> Any:
        """The backend's handle (writer, run, client), after initialising the environment."""

    @abstractmethod
    def _init_env(self) -> Any:
        """Create directories, open writers, connect: called once, on first use."""

    def add_config(self, config: Any, **kwargs: Any) -> None:  # noqa: B027 (optional)
        """Record the run's config (a ``treadle.config.Config``)."""

    def add_graph(self, model: Any, data_batch: Any, **kwargs: Any) -> None:  # noqa: B027 (optional)
        """Record the model graph."""

    def add_image(self, name: str, image: Any, step: int = 0, **kwargs: Any) -> None:  # noqa: B027 (optional)
        """Record an RGB uint8 image ``H x W x 3``."""

    def add_scalar(self, name: str, value: int | float, step: int = 0, **kwargs: Any) -> None:  # noqa: B027 (optional)
        """Record one scalar."""

    def add_scalars(  # noqa: B027 (optional)
        self,
        scalar_dict: dict[str, Any],
        step: int = 0,
        file_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Record several scalars at ``step``."""

    def close(self) -> None:  # noqa: B027 (optional)
        """Flush and release what ``_init_env`` opened."""


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):  # numpy values and tensors
        return value.tolist()
    raise TypeError(
        f"cannot write a value of type {type(value).__name__} to scalars.json; "
        "log numbers or strings"
    )


#: one encoder for every record (json.dumps would build one per call)
_ENCODER = json.JSONEncoder(default=_json_default)


@VISBACKENDS.register_module()
class LocalVisBackend(BaseVisBackend):
    """Write to local files under ``save_dir`` (the Visualizer passes ``<log_dir>/vis_data``).

    - ``config.py``: the config, dumped by ``Config.dump``;
    - ``scalars.json``: one JSON object per ``add_scalar(s)`` call, one per line,
      with its ``step``; ``add_scalars(..., file_path='x.json')`` also appends to
      ``x.json`` beside it;
    - ``vis_image/<name>_<step>.png``: images.

    Args:
        save_dir: the directory to write in.
        img_save_dir: images' sub-directory.
        config_save_file: the config's file name.
        scalar_save_file: the scalars' file name (must end in ``.json``).
    """

    def __init__(
        self,
        save_dir: str,
        img_save_dir: str = "vis_image",
        config_save_file: str = "config.py",
        scalar_save_file: str = "scalars.json",
    ) -> None:
        if not str(scalar_save_file).endswith(".json"):
            raise ValueError(
                f"LocalVisBackend scalar_save_file must end in .json, got {scalar_save_file!r}"
            )
        super().__init__(save_dir)
        self._img_save_dir = img_save_dir
        self._config_save_file = config_save_file
        self._scalar_save_file = scalar_save_file
        self._files: dict[str, Any] = {}  # open scalar files by path, until close()
        self._extra_paths: dict[str, str] = {}  # add_scalars' file_path -> checked path

    def _init_env(self) -> None:
        os.makedirs(self._save_dir, exist_ok=True)
        self._img_save_dir = os.path.join(self._save_dir, self._img_save_dir)
        self._config_save_file = os.path.join(self._save_dir, self._config_save_file)
        self._scalar_save_file = os.path.join(self._save_dir, self._scalar_save_file)

    @property  # type: ignore[misc]
    @force_init_env
    def experiment(self) -> LocalVisBackend:
        """This backend itself (it has no separate handle)."""
        return self

    @force_init_env
    def add_config(self, config: Any, **kwargs: Any) -> None:
        if not hasattr(config, "dump"):
            raise TypeError(
                f"LocalVisBackend.add_config takes a treadle.config.Config, got "
                f"{type(config).__name__}; wrap a dict with Config(cfg_dict)"
            )
        config.dump(self._config_save_file)

    @force_init_env
    def add_image(self, name: str, image: Any, step: int = 0, **kwargs: Any) -> None:
        image = check_image(name, image)
        os.makedirs(self._img_save_dir, exist_ok=True)
        write_png(os.path.join(self._img_save_dir, f"{name}_{step}.png"), image)

    @force_init_env
    def add_scalar(self, name: str, value: Any, step: int = 0, **kwargs: Any) -> None:
        if hasattr(value, "item"):
            value = value.item()
        self._append({name: value, "step": step}, self._scalar_save_file)

    @force_init_env
    def add_scalars(
        self,
        scalar_dict: dict[str, Any],
        step: int = 0,
        file_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(scalar_dict, dict):
            raise TypeError(f"add_scalars takes a dict, got {type(scalar_dict).__name__}")
        record = dict(scalar_dict)
        record.setdefault("step", step)
        line = _ENCODER.encode(record) + "\n"
        if file_path is not None:
            self._file(self._extra_path(file_path)).write(line)
        self._file(self._scalar_save_file).write(line)

    def close(self) -> None:
        """Close the scalar files; a later record opens them again (appending)."""
        files, self._files = self._files, {}
        for file in files.values():
            file.close()

    def _extra_path(self, file_path: str) -> str:
        """The path of ``add_scalars``' extra ``file_path`` (checked once per name)."""
        path = self._extra_paths.get(file_path)
        if path is None:
            if not str(file_path).endswith(".json"):
                raise ValueError(f"add_scalars file_path must end in .json, got {file_path!r}")
            path = os.path.join(self._save_dir, file_path)
            if os.path.abspath(path) == os.path.abspath(self._scalar_save_file):
                raise ValueError(
                    f"add_scalars file_path {file_path!r} is the scalars file itself; "
                    "choose another name (e.g. '<timestamp>.json')"
                )
            self._extra_paths[file_path] = path
        return path

    def _file(self, path: str) -> Any:
        """``path`` opened for appending, line-buffered: each record reaches the file as
        it is written (readers and crashes see whole lines), without reopening it."""
        file = self._files.get(path)
        if file is None:
            file = self._files[path] = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115
        return file

    def _append(self, record: dict[str, Any], path: str) -> None:
        self._file(path).write(_ENCODER.encode(record) + "\n")
