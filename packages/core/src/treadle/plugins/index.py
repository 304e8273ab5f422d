"""The index of installed plugins: entry points in group ``treadle.plugins``.

Read once per process through importlib-metadata (imported only when first
needed, so ``import treadle.plugins`` stays cheap).
"""

from __future__ import annotations

from dataclasses import dataclass

GROUP = "treadle.plugins"

_entries: list[PluginEntry] | None = None


@dataclass(frozen=True)
class PluginEntry:
    """One ``treadle.plugins`` entry point: ``scope = manifest.module``."""

    scope: str
    value: str
    distribution: str
    version: str

    def describe(self) -> str:
        return f"{self.distribution} {self.version} (entry point '{self.scope} = {self.value}')"


def entries() -> list[PluginEntry]:
    """All installed plugin entry points, sorted by scope then distribution."""
    global _entries
    if _entries is None:
        import importlib_metadata

        found = []
        for ep in importlib_metadata.entry_points(group=GROUP):
            dist = ep.dist
            found.append(
                PluginEntry(
                    scope=ep.name,
                    value=ep.value,
                    distribution=dist.metadata["Name"] if dist is not None else "?",
                    version=dist.version if dist is not None else "?",
                )
            )
        _entries = sorted(set(found), key=lambda e: (e.scope, e.distribution))
    return _entries
