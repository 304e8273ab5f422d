"""Manifest of the ``vis_backends`` plugin: read by treadle-core, so it stays import-light.

Its backends register into the core's root registries (they are found by
prefix or by name, not by scope); they are declared here as they land.
"""

ROOT_LOCATIONS: dict[str, list[str]] = {}
