"""A plugin distribution with configs, a model index and weights served over loopback HTTP.

``hubzoo`` is pip-installed into a target directory (subprocesses see it through
PYTHONPATH). Its metafile lists weights at the URL of a real HTTP server on
127.0.0.1 that this session starts, the way OpenMMLab metafiles list download URLs.
"""

from __future__ import annotations

import http.server
from pathlib import Path

import pytest
import torch
from support.plugin_projects import install_into, write_plugin_project
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
    files = {name: text.replace("{url}", weights_url) for name, text in FILES.items()}
    project = write_plugin_project(
        tmp_path_factory.mktemp("hubzoo-src"), "hubzoo-plugin", "hubzoo", files
    )
    return install_into(tmp_path_factory.mktemp("hubzoo"), project)
