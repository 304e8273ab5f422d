"""A plugin's model index: the models its configs describe, with names and weights.

The layout is OpenMMLab's: ``model-index.yml`` imports metafiles, each listing
``Models`` with a ``Name``, optional ``Alias`` (a str or a list), the ``Config``
path and the ``Weights`` (a URL or a path). Treadle looks for ``model-index.yml``
beside the plugin's ``CONFIG_DIR`` (as ``.mim/model-index.yml`` sits beside
``.mim/configs``), then inside it. Paths in the index and in its metafiles are
relative to the index's directory (``Config: configs/x/y.py``), as in OpenMMLab.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

INDEX_NAME = "model-index.yml"


@dataclass(frozen=True)
class ModelEntry:
    """One model of a metafile: its names, config file and weights, and where it was read."""

    name: str
    aliases: tuple[str, ...]
    config: Path
    weights: str | None
    metafile: Path
    meta: dict[str, Any]

    def answers_to(self, name: str) -> bool:
        """Whether ``name`` is the model's name or an alias (case-insensitively)."""
        wanted = name.lower()
        return wanted == self.name.lower() or wanted in (a.lower() for a in self.aliases)


class ModelIndexError(LookupError):
    """A plugin has no model index, or it does not list the model asked for."""


def index_path(scope: str) -> Path:
    """The ``model-index.yml`` of plugin ``scope``."""
    from treadle.plugins import config_dir

    configs = config_dir(scope)
    for candidate in (configs.parent / INDEX_NAME, configs / INDEX_NAME):
        if candidate.is_file():
            return candidate
    raise ModelIndexError(
        f"plugin scope {scope!r} has no {INDEX_NAME} (looked in {configs.parent} and "
        f"{configs}); it lists the models a plugin's configs describe, with their weights"
    )


def _read_yaml(path: Path) -> Any:
    import yaml

    with open(path, encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def _entry(model: Any, metafile: Path, root: Path) -> ModelEntry:
    if not isinstance(model, dict) or "Name" not in model or "Config" not in model:
        raise ModelIndexError(
            f"{metafile}: each entry of 'Models' needs a 'Name' and a 'Config', got {model!r}"
        )
    aliases = model.get("Alias", ())
    weights = model.get("Weights")
    return ModelEntry(
        name=str(model["Name"]),
        aliases=(aliases,) if isinstance(aliases, str) else tuple(aliases),
        config=(root / model["Config"]).resolve(),
        weights=weights[0] if isinstance(weights, list) else weights,
        metafile=metafile,
        meta=model,
    )


def model_entries(scope: str) -> list[ModelEntry]:
    """Every model the index of plugin ``scope`` lists, in the order of its metafiles."""
    index = index_path(scope)
    content = _read_yaml(index) or {}
    imports = content.get("Import") if isinstance(content, dict) else None
    if not isinstance(imports, list):
        raise ModelIndexError(f"{index}: expected an 'Import' list of metafile paths")
    entries = []
    for relative in imports:
        metafile = (index.parent / relative).resolve()
        if not metafile.is_file():
            raise ModelIndexError(f"{index}: imported metafile {relative!r} does not exist")
        meta = _read_yaml(metafile) or {}
        models = meta.get("Models", []) if isinstance(meta, dict) else None
        if not isinstance(models, list):
            raise ModelIndexError(f"{metafile}: expected a 'Models' list")
        entries += [_entry(model, metafile, index.parent) for model in models]
    return entries
