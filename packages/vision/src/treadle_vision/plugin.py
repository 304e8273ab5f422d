"""Manifest of the ``vision`` plugin: read by treadle-core, so it stays import-light."""

from pathlib import Path

LOCATIONS = {"TRANSFORMS": ["treadle_vision.transforms"]}
CONFIG_DIR = Path(__file__).with_name("configs")
