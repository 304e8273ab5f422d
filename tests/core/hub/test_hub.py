"""get_config/get_model and model names of an installed plugin, in fresh interpreters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path


def run(code: str, plugin_dir: Path, tmp_path: Path) -> dict:
    """Run ``code`` with the plugin installed; it prints one JSON object."""
    env = {**os.environ, "PYTHONPATH": str(plugin_dir), "TORCH_HOME": str(tmp_path / "torch")}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_get_config_and_its_listed_weights(hubzoo, weights_url, tmp_path) -> None:
    out = run(
        """
        import json
        from treadle.hub import get_config
        plain = get_config("hubzoo::regressor/tiny.py")
        cfg = get_config("hubzoo::regressor/tiny.py", pretrained=True)
        print(json.dumps(dict(plain=plain.to_dict(), model_path=cfg.model_path)))
        """,
        hubzoo,
        tmp_path,
    )
    assert out["plain"]["model"] == {"type": "TinyRegressor"}
    assert "model_path" not in out["plain"]
    assert out["model_path"] == f"{weights_url}/tiny.pth"


def test_get_model_builds_in_the_plugin_scope_and_loads_the_weights(hubzoo, tmp_path) -> None:
    out = run(
        """
        import json
        from treadle.hub import get_model
        fresh = get_model("hubzoo::regressor/tiny.py", bias_init=5.0)
        model = get_model("hubzoo::regressor/tiny.py", pretrained=True)
        print(json.dumps(dict(
            type=type(model).__name__,
            fresh_bias=fresh.linear.bias.tolist(),
            weight=model.linear.weight.tolist(),
            bias=model.linear.bias.tolist(),
            is_init=model._is_init,
        )))
        """,
        hubzoo,
        tmp_path,
    )
    assert out["type"] == "TinyRegressor"
    assert out["fresh_bias"] == [5.0]  # keyword arguments are build defaults
    assert (out["weight"], out["bias"]) == ([[2.0, 3.0]], [1.0])  # downloaded over HTTP
    assert out["is_init"] is True


def test_a_config_the_index_does_not_list(hubzoo, tmp_path) -> None:
    out = run(
        """
        import json
        from treadle.hub import ModelIndexError, get_config
        try:
            get_config("hubzoo::regressor/unlisted.py", pretrained=True)
        except ModelIndexError as error:
            print(json.dumps(dict(error=str(error))))
        """,
        hubzoo,
        tmp_path,
    )
    assert "no model in " in out["error"] and "model-index.yml" in out["error"]
    assert "hubzoo::regressor/unlisted.py" in out["error"]


def test_an_inferencer_by_model_name(hubzoo, tmp_path) -> None:
    out = run(
        """
        import json, torch
        from treadle.infer import BaseInferencer

        class RegressorInferencer(BaseInferencer):
            def _init_pipeline(self, cfg):
                return lambda x: dict(inputs=torch.tensor(x, dtype=torch.float32))

            def visualize(self, inputs, preds, show=False):
                return None

            def postprocess(self, preds, visualization, return_datasample=False):
                return dict(predictions=preds, visualization=visualization)

        names = BaseInferencer.list_models("hubzoo")
        inferencer = RegressorInferencer("TINY", scope="hubzoo", device="cpu")
        result = inferencer([[1.0, 1.0], [0.0, 2.0], [1.0, 0.0]], batch_size=2)
        print(json.dumps(dict(names=names, predictions=result["predictions"])))
        """,
        hubzoo,
        tmp_path,
    )
    assert out["names"] == ["tiny-regressor_1x", "tiny"]
    assert out["predictions"] == [6.0, 7.0, 3.0]  # the listed weights: 2 x0 + 3 x1 + 1


def test_a_plugin_without_a_model_index_and_a_bad_path() -> None:
    import pytest

    from treadle.hub import ModelIndexError, get_config

    plain = get_config("vision::flip_demo.py")  # configs need no index
    assert plain.default_scope == "vision"
    with pytest.raises(ModelIndexError, match=r"plugin scope 'vision' has no model-index\.yml"):
        get_config("vision::flip_demo.py", pretrained=True)
    with pytest.raises(ValueError, match=r"expected 'scope::relative/path\.py'"):
        get_config("flip_demo.py")
