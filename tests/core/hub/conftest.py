"""A plugin distribution with configs, a model index and weights served over loopback HTTP.

``hubzoo`` is pip-installed into a target directory (subprocesses see it through
PYTHONPATH). Its metafile lists weights at the URL of a real HTTP server on
127.0.0.1 that this session starts, the way OpenMMLab metafiles list download URLs.
"""

from __future__ import annotations

import http.server
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from support.servers import serve_directory

# the served weights: prediction = 2 * x0 + 3 * x1 + 1
WEIGHTS = {"linear.weight": torch.tensor([[2.0, 3.0]]), "linear.bias": torch.tensor([1.0])}

FILES = {
    "plugin.py": """
        from pathlib import Path

        LOCATIONS = {"MODELS": ["hubzoo_plugin.models"]}
        CONFIG_DIR = str(Path(__file__).parent / "mim" / "configs")
    """,
    "models.py": """
        import torch
        from torch import nn
        from treadle.model import BaseModel
        from treadle.registry import MODELS


        @MODELS.register_module()
        class TinyRegressor(BaseModel):
            def __init__(self, bias_init=0.0, **kwargs):
                super().__init__(**kwargs)
                self.linear = nn.Linear(2, 1)
                nn.init.constant_(self.linear.bias, bias_init)

            def forward(self, inputs, data_samples=None, mode="tensor"):
                out = self.linear(inputs).squeeze(-1)
                return out.tolist() if mode == "predict" else out
    """,
    "mim/configs/regressor/tiny.py": """
        default_scope = "hubzoo"
        model = dict(type="TinyRegressor")
        test_dataloader = dict(collate_fn=dict(type="default_collate"))
    """,
    "mim/configs/regressor/unlisted.py": """
        _base_ = "./tiny.py"
    """,
    "mim/model-index.yml": """
        Import:
          - configs/regressor/metafile.yml
    """,
    "mim/configs/regressor/metafile.yml": """
        Models:
          - Name: tiny-regressor_1x
            Alias: [tiny]
            Config: configs/regressor/tiny.py
            Weights: {url}/tiny.pth
    """,
}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def weights_url(tmp_path_factory) -> str:
    served = tmp_path_factory.mktemp("served")
    torch.save({"state_dict": WEIGHTS}, served / "tiny.pth")
    with serve_directory(QuietHandler, served) as url:
        yield url


@pytest.fixture(scope="session")
def hubzoo(tmp_path_factory, weights_url: str) -> Path:
    """The directory the plugin is installed in (put it on PYTHONPATH)."""
    project = tmp_path_factory.mktemp("hubzoo-src") / "hubzoo-plugin"
    package = project / "src" / "hubzoo_plugin"
    for name, text in {"__init__.py": "", **FILES}.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).replace("{url}", weights_url).lstrip())
    (project / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"

            [project]
            name = "hubzoo-plugin"
            version = "0.0.1"

            [project.entry-points."treadle.plugins"]
            hubzoo = "hubzoo_plugin.plugin"

            [tool.hatch.build.targets.wheel]
            packages = ["src/hubzoo_plugin"]
            """
        )
    )
    target = tmp_path_factory.mktemp("hubzoo")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--no-build-isolation", "--target", str(target), str(project)],
        check=True,
    )  # fmt: skip
    return target
