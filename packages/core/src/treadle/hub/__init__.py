"""Configs and models of installed plugins by ``'scope::path'``: MMEngine's ``mmengine.hub``."""

from treadle.hub.hub import get_config, get_model
from treadle.hub.model_index import ModelEntry, ModelIndexError, model_entries

__all__ = ["ModelEntry", "ModelIndexError", "get_config", "get_model", "model_entries"]
