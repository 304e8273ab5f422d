"""Where a checkpoint comes from: ``CheckpointLoader`` picks a loader by the path's scheme.

Built in: local paths (the ``''`` scheme, which matches everything else), ``http://`` and
``https://`` (downloaded once into a cache directory, as ``torch.hub`` does), and any other
``<prefix>://`` URI, read through :mod:`treadle.fileio` (``s3://`` ... from installed
backends). MMEngine's model-zoo schemes (``open-mmlab://``, ``torchvision://`` ...) are not
served: Treadle has no model zoo, and they raise an error saying what to pass instead.

A loader is ``loader(filename, map_location)``; it may also accept ``weights_only``,
``backend_args`` and ``logger`` keywords, which :meth:`CheckpointLoader.load_checkpoint`
passes when the loader's signature names them.
"""

from __future__ import annotations

import inspect
import io
import os
import re
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from treadle.runner.checkpoint._log import log
from treadle.runner.checkpoint.serialize import torch_load

Loader = Callable[..., Any]
_OPTIONAL_KWARGS = ("weights_only", "backend_args", "logger")


class CheckpointLoader:
    """A table of checkpoint loaders keyed by path-prefix regular expressions.

    Prefixes are tried in reverse lexicographic order, so a longer prefix is tried
    before a shorter one it extends (``'https://'`` before ``'http'``), and ``''``
    (local files) last.
    """

    _schemes: ClassVar[dict[str, Loader]] = {}

    @classmethod
    def _register_scheme(cls, prefixes: str | Sequence[str], loader: Loader, force: bool) -> None:
        if isinstance(prefixes, str):
            prefixes = [prefixes]
        if not isinstance(prefixes, (list, tuple)):
            raise TypeError(f"prefixes must be a str, list or tuple, got {prefixes!r}")
        for prefix in prefixes:
            if prefix in cls._schemes and not force:
                raise KeyError(
                    f"{prefix!r} is already registered to checkpoint loader "
                    f"{cls._schemes[prefix].__name__}; pass force=True to replace it"
                )
        for prefix in prefixes:
            cls._schemes[prefix] = loader
        cls._schemes = dict(sorted(cls._schemes.items(), reverse=True))

    @classmethod
    def register_scheme(
        cls, prefixes: str | Sequence[str], loader: Loader | None = None, force: bool = False
    ) -> Any:
        """Register ``loader`` for paths matching ``prefixes``; a decorator without it."""
        if loader is not None:
            cls._register_scheme(prefixes, loader, force)
            return loader

        def decorator(fn: Loader) -> Loader:
            cls._register_scheme(prefixes, fn, force)
            return fn

        return decorator

    @classmethod
    def _get_checkpoint_loader(cls, path: str) -> Loader:
        """The loader of the first prefix (in the order above) that matches ``path``."""
        for prefix, loader in cls._schemes.items():
            if re.match(prefix, path) is not None:
                return loader
        raise ValueError(f"no checkpoint loader matches {path!r}")  # '' is always registered

    @classmethod
    def load_checkpoint(
        cls,
        filename: str,
        map_location: Any = None,
        logger: Any = "current",
        weights_only: bool = True,
        backend_args: dict[str, Any] | None = None,
    ) -> Any:
        """Load ``filename`` with the loader its scheme selects."""
        filename = os.fspath(filename)
        loader = cls._get_checkpoint_loader(filename)
        name = loader.__name__.removeprefix("load_from_")
        log(f"Loads checkpoint by {name} backend from path: {filename}", logger)
        given = dict(weights_only=weights_only, backend_args=backend_args, logger=logger)
        accepted = _accepted_kwargs(loader)
        return loader(filename, map_location, **{k: v for k, v in given.items() if k in accepted})


def _accepted_kwargs(loader: Loader) -> set[str]:
    params = inspect.signature(loader).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return set(_OPTIONAL_KWARGS)
    return {p.name for p in params} & set(_OPTIONAL_KWARGS)


@CheckpointLoader.register_scheme(prefixes="")
def load_from_local(filename: str, map_location: Any = None, weights_only: bool = True) -> Any:
    """A checkpoint on local disk (``~`` expanded)."""
    filename = os.path.expanduser(filename)
    if not os.path.isfile(filename):
        raise FileNotFoundError(f"checkpoint {filename!r} does not exist (or is not a file)")
    return torch_load(filename, filename, map_location, weights_only)


@CheckpointLoader.register_scheme(prefixes=r"[\w+.:-]+://")
def load_from_fileio(
    filename: str,
    map_location: Any = None,
    weights_only: bool = True,
    backend_args: dict[str, Any] | None = None,
) -> Any:
    """A checkpoint behind any URI a :mod:`treadle.fileio` backend serves (``s3://`` ...)."""
    from treadle import fileio

    data = fileio.get(filename, backend_args=backend_args)
    return torch_load(io.BytesIO(data), filename, map_location, weights_only)


@CheckpointLoader.register_scheme(prefixes=("http://", "https://"))
def load_from_http(
    filename: str,
    map_location: Any = None,
    model_dir: str | None = None,
    weights_only: bool = True,
    logger: Any = "current",
) -> Any:
    """A checkpoint on a web server, downloaded once into ``model_dir``.

    ``model_dir`` defaults to ``torch.hub``'s ``<hub dir>/checkpoints``. Rank 0
    downloads first while the other ranks wait, then every rank reads the cached file
    (or raises, naming rank 0's error, when its download failed).
    """
    from treadle.dist import broadcast_object_list, get_dist_info
    from treadle.runner.checkpoint.download import cached_download

    rank, world_size = get_dist_info()
    if world_size == 1:
        cached = cached_download(filename, model_dir, logger)
    else:  # rank 0 first; its failure reaches every rank instead of leaving them waiting
        failure: list[str | None] = [None]
        if rank == 0:
            try:
                cached = cached_download(filename, model_dir, logger)
            except Exception as exc:
                failure = [f"{type(exc).__name__}: {exc}"]
                broadcast_object_list(failure, src=0)
                raise
        broadcast_object_list(failure, src=0)
        if failure[0] is not None:
            raise OSError(f"rank 0 could not download checkpoint {filename}: {failure[0]}")
        if rank > 0:
            cached = cached_download(filename, model_dir, logger)
    return torch_load(cached, f"{filename} (cached at {cached})", map_location, weights_only)


_ZOO_SCHEMES = ("open-mmlab://", "openmmlab://", "torchvision://", "mmcls://", "pavi://")


@CheckpointLoader.register_scheme(prefixes=_ZOO_SCHEMES)
def load_from_model_zoo(filename: str, map_location: Any = None) -> Any:
    """MMEngine's model-zoo schemes: not served by Treadle; the error says what to do."""
    raise ValueError(
        f"checkpoint {filename!r} uses an OpenMMLab/torchvision model-zoo scheme, which "
        f"Treadle does not serve (it has no model zoo). Pass the weights' http(s):// URL or a "
        f"local path instead"
    )
