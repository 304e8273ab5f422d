"""Third-party plugins declaring FILEIO_BACKENDS: found on first use; a broken one is named."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

BACKEND = textwrap.dedent(
    """
    from treadle.fileio import BaseStorageBackend, register_backend

    @register_backend("vault", prefixes="vault")
    class VaultBackend(BaseStorageBackend):
        def get(self, filepath):
            return ("secret of " + filepath).encode()
    """
)


def _distribution(site: Path, name: str, files: dict[str, str]) -> None:
    """A real installed distribution: a package and its .dist-info with an entry point."""
    package = site / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for filename, text in files.items():
        (package / filename).write_text(text)
    info = site / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[treadle.plugins]\n{name} = {name}.plugin\n")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    _distribution(
        site,
        "vaultio",
        {
            "plugin.py": "FILEIO_BACKENDS = {'vault': 'vaultio.storage'}\n",
            "storage.py": BACKEND,
        },
    )
    _distribution(site, "brokenio", {"plugin.py": "raise ImportError('libvault.so missing')\n"})
    return site


def test_plugin_backend_is_imported_on_first_use_of_its_prefix(site: Path, python) -> None:
    out = python(
        "import sys, json, warnings, treadle.fileio as f\n"
        "warnings.simplefilter('ignore')\n"
        "before = 'vaultio.storage' in sys.modules\n"
        "print(json.dumps([before, f.get_text('vault://db/password')]))",
        env_extra={"PYTHONPATH": str(site)},
    ).stdout
    assert json.loads(out) == [False, "secret of vault://db/password"]


def test_unknown_prefix_error_names_a_plugin_that_failed(site: Path, python) -> None:
    result = python(
        "import warnings, treadle.fileio as f\n"
        "warnings.simplefilter('ignore')\n"
        "try:\n    f.get('nowhere://x')\n"
        "except f.UnknownBackendError as e:\n    print(e)\n",
        env_extra={"PYTHONPATH": str(site)},
    )
    message = result.stdout
    assert "'nowhere'" in message and "'vault'" in message
    assert "plugin 'brokenio' failed to load" in message and "libvault.so missing" in message
