"""``get_config`` and ``get_model``: a plugin's config, or the model it describes, by path.

``'scope::path/to/config.py'`` names a config inside an installed plugin (as in
``_base_``). With ``pretrained=True`` the weights come from the plugin's model
index (see :mod:`treadle.hub.model_index`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from treadle.config import Config
from treadle.hub.model_index import ModelIndexError, index_path, model_entries


def _split(cfg_path: str) -> tuple[str, str]:
    scope, sep, relative = cfg_path.partition("::")
    if not sep or not scope.isidentifier() or not relative:
        raise ValueError(
            f"expected 'scope::relative/path.py' naming a config of an installed plugin, "
            f"e.g. 'vision::resnet/resnet18_8xb32.py'; got {cfg_path!r}"
        )
    return scope, relative


def get_config(cfg_path: str, pretrained: bool = False) -> Config:
    """The config ``'scope::relative/path.py'`` of an installed plugin (read as its file:
    unlike a ``scope::`` base, no ``_scope_`` is stamped on what it builds).

    With ``pretrained=True`` the config gains ``model_path``: the weights the plugin's
    model index lists for this config.
    """
    from treadle.plugins import config_dir

    scope, relative = _split(cfg_path)
    path = (config_dir(scope) / relative).resolve()
    cfg = Config.fromfile(path)  # the file itself: no '_scope_' stamped, as in MMEngine
    if pretrained:
        cfg.model_path = _weights_for(scope, path, cfg_path)
    return cfg


def _weights_for(scope: str, config: Path, cfg_path: str) -> str:
    for entry in model_entries(scope):
        if entry.config == config:
            if not entry.weights:
                raise ModelIndexError(
                    f"{entry.metafile}: model {entry.name!r} ({cfg_path}) lists no 'Weights'"
                )
            return entry.weights
    raise ModelIndexError(
        f"no model in {index_path(scope)} has the config {cfg_path} ({config}): add an entry "
        "with its 'Config' and 'Weights' to one of the metafiles it imports, or call "
        "get_config without pretrained=True"
    )


def get_model(cfg_path: str, pretrained: bool = False, **kwargs: Any) -> Any:
    """Build the model of the config ``'scope::relative/path.py'`` (``kwargs``: default
    arguments of the build); with ``pretrained=True`` load the weights the plugin's model
    index lists for it."""
    from treadle.registry import MODELS, DefaultScope

    scope = _split(cfg_path)[0]
    cfg = get_config(cfg_path, pretrained)
    if "data_preprocessor" in cfg:
        cfg.model.data_preprocessor = cfg.data_preprocessor
    with DefaultScope.overwrite_default_scope(cfg.get("default_scope", scope)):
        model = MODELS.build(cfg.model, default_args=kwargs)
    if pretrained:
        from treadle.runner import load_checkpoint

        load_checkpoint(model, cfg.model_path)
        model._is_init = True  # the weights replace any init_cfg
    return model
