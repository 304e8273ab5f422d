"""``Visualizer``: a named instance that fans records out to its vis backends.

Drawing (boxes, masks, feature maps) comes with a later issue; this is the
recording half the runner needs: config, scalars and images.
"""

from __future__ import annotations

import copy
import os
import warnings
from typing import Any

from treadle.logging._dist import rank_and_world_size
from treadle.registry import VISBACKENDS, VISUALIZERS
from treadle.utils.manager import ManagerMixin
from treadle.visualization.vis_backend import BaseVisBackend


def _on_rank0() -> bool:
    return rank_and_world_size()[0] == 0


@VISUALIZERS.register_module()
class Visualizer(ManagerMixin):
    """Record configs, scalars and images to one or more backends (rank 0 only).

    Args:
        name: instance name (``Visualizer.get_instance(name)``).
        vis_backends: backend configs (``dict(type='LocalVisBackend')``) or instances;
            a single dict is accepted. Several backends of one type need distinct
            ``name`` keys.
        save_dir: the run's log directory; backends built from configs get
            ``save_dir=<save_dir>/vis_data`` unless their config sets one. Without it,
            no backend is built (with a warning), as in MMEngine.
    """

    def __init__(
        self,
        name: str = "visualizer",
        vis_backends: list[dict | BaseVisBackend] | dict | BaseVisBackend | None = None,
        save_dir: str | os.PathLike | None = None,
    ) -> None:
        super().__init__(name)
        self._dataset_meta: dict | None = None
        self._vis_backends: dict[str, BaseVisBackend] = {}
        if vis_backends is None:
            return
        if save_dir is None:
            warnings.warn(
                f"Visualizer {name!r}: vis_backends are not built because save_dir is None; "
                "pass save_dir (the runner passes its log_dir)",
                stacklevel=2,
            )
            return
        if isinstance(vis_backends, (dict, BaseVisBackend)):
            vis_backends = [vis_backends]
        if not vis_backends:
            raise ValueError("Visualizer vis_backends is an empty list; omit it or give backends")
        self._check_names(vis_backends)
        backend_dir = os.path.join(os.fspath(save_dir), "vis_data")
        for item in vis_backends:
            if isinstance(item, BaseVisBackend):
                self._vis_backends[type(item).__name__] = item
            elif isinstance(item, dict):
                cfg = copy.deepcopy(dict(item))
                key = cfg.pop("name", None) or str(cfg["type"])
                cfg.setdefault("save_dir", backend_dir)
                self._vis_backends[key] = VISBACKENDS.build(cfg)
            else:
                raise TypeError(
                    "Visualizer vis_backends entries must be dicts or BaseVisBackend "
                    f"instances, got {type(item).__name__}"
                )

    @staticmethod
    def _check_names(vis_backends: list) -> None:
        cfgs = [b for b in vis_backends if isinstance(b, dict)]
        for cfg in cfgs:
            if "type" not in cfg:
                raise KeyError(f"Visualizer vis_backends entry {cfg} has no 'type'")
        keys = [str(cfg.get("name") or cfg["type"]) for cfg in cfgs]
        keys += [type(b).__name__ for b in vis_backends if isinstance(b, BaseVisBackend)]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(
                f"Visualizer vis_backends: {duplicates} appear more than once; give each "
                "backend of the same type its own 'name'"
            )

    @property
    def dataset_meta(self) -> dict | None:
        """Meta information of the dataset (classes, palette ...), set by the runner."""
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, dataset_meta: dict | None) -> None:
        self._dataset_meta = dataset_meta

    def get_backend(self, name: str) -> BaseVisBackend | None:
        """The backend called ``name`` (its config's ``name``, else its type), or None."""
        return self._vis_backends.get(name)

    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Record the config with every backend."""
        if _on_rank0():
            for backend in self._vis_backends.values():
                backend.add_config(config, **kwargs)

    def add_graph(self, model: Any, data_batch: Any, **kwargs: Any) -> None:
        """Record the model graph with every backend that supports it."""
        if _on_rank0():
            for backend in self._vis_backends.values():
                backend.add_graph(model, data_batch, **kwargs)

    def add_image(self, name: str, image: Any, step: int = 0) -> None:
        """Record an RGB uint8 image with every backend."""
        if _on_rank0():
            for backend in self._vis_backends.values():
                backend.add_image(name, image, step)

    def add_scalar(self, name: str, value: Any, step: int = 0, **kwargs: Any) -> None:
        """Record one scalar with every backend."""
        if _on_rank0():
            for backend in self._vis_backends.values():
                backend.add_scalar(name, value, step, **kwargs)

    def add_scalars(
        self,
        scalar_dict: dict[str, Any],
        step: int = 0,
        file_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Record several scalars at ``step`` with every backend (``file_path``: an extra
        JSON file for the backends that write files)."""
        if _on_rank0():
            for backend in self._vis_backends.values():
                backend.add_scalars(scalar_dict, step, file_path, **kwargs)

    def close(self) -> None:
        """Close every backend."""
        for backend in self._vis_backends.values():
            backend.close()

    @classmethod
    def get_instance(cls, name: str, **kwargs: Any) -> Visualizer:
        """The visualizer called ``name``, created with ``kwargs`` if absent."""
        return super().get_instance(name, **kwargs)
