"""The config parity corpus: load every case with an engine (Treadle or MMEngine 0.10.7).

``compute(config_module)`` loads each corpus file listed in
``tests/core/config_corpus/cases.json``, applies the listed ``--cfg-options`` and
parses the listed ``DictAction`` items, and returns the results in a JSON
encoding that keeps what JSON cannot (tuples, non-string keys, non-finite
floats). The golden file holds MMEngine's results; ``make_golden.py`` writes and
checks it, ``test_config_parity.py`` compares Treadle with it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import warnings
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

CORPUS = Path(__file__).resolve().parent.parent / "config_corpus"
GOLDEN = CORPUS / "golden.json"
CASES = json.loads((CORPUS / "cases.json").read_text(encoding="utf-8"))
UNSET = "TREADLE_PARITY_UNSET"


def encode(value: Any) -> Any:
    """A JSON-ready form of a config value that keeps tuples and key order."""
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: encode(item) for key, item in value.items()}
        return {"__items__": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(item) for item in value]}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, str):
        return value.replace(str(CORPUS), "<CORPUS>")
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": repr(value)}
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return {"__object__": type(value).__name__}


@contextmanager
def _environment() -> Any:
    saved = dict(os.environ)
    os.environ.update(CASES["env"])
    os.environ.pop(UNSET, None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _parse_items(config_module: ModuleType, items: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cfg-options", nargs="+", action=config_module.DictAction)
    return parser.parse_args(["--cfg-options", *items]).cfg_options


def compute(config_module: ModuleType) -> dict[str, Any]:
    """Every corpus result from ``config_module`` (``treadle.config`` or ``mmengine.config``)."""
    Config = config_module.Config
    results: dict[str, Any] = {"files": {}, "options": {}, "dict_action": {}}
    with _environment(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in CASES["files"]:
            cfg = Config.fromfile(str(CORPUS / name))
            results["files"][name] = {
                "cfg": encode(cfg.to_dict()),
                "env_variables": encode(dict(cfg.env_variables)),
            }
        for name, items in CASES["options"].items():
            cfg = Config.fromfile(str(CORPUS / name))
            options = _parse_items(config_module, items)
            cfg.merge_from_dict(options)
            results["options"][name] = {"parsed": encode(options), "cfg": encode(cfg.to_dict())}
        for item in CASES["dict_action"]:
            results["dict_action"][item] = encode(_parse_items(config_module, [item]))
    return results


def dumps(results: dict[str, Any]) -> str:
    return json.dumps(results, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
