"""Assertion helpers of MMEngine's ``mmengine.testing`` for tests of models and plugins.

``assert_allclose`` raises; the ``assert_*`` predicates return a bool (as MMEngine's do:
tests write ``assert assert_dict_has_keys(result, ['loss'])``).
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Iterable
from runpy import run_path
from typing import Any

import torch
from torch import nn


def assert_allclose(
    actual: Any,
    expected: Any,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = True,
    msg: str | Callable | None = "",
) -> None:
    """Raise if ``actual`` and ``expected`` (tensors, arrays, numbers or sequences) are not
    close; tolerances default by dtype, as in ``torch.testing.assert_close``. Both sides
    become tensors first (``expected`` in ``actual``'s dtype), as in MMEngine."""
    actual = torch.as_tensor(actual)
    expected = torch.as_tensor(expected, dtype=actual.dtype, device=actual.device)
    torch.testing.assert_close(
        actual,
        expected,
        rtol=rtol,
        atol=atol,
        equal_nan=equal_nan,
        check_dtype=False,
        msg=msg or None,
    )


def check_python_script(cmd: str) -> None:
    """Run a script as ``__main__`` in this process (so coverage sees it):
    ``'tools/train.py cfg.py'`` or ``'python tools/train.py cfg.py'``."""
    args = shlex.split(cmd)
    if args and args[0] == "python":
        args = args[1:]
    if not args:
        raise ValueError(f"check_python_script needs a script path, got {cmd!r}")
    saved = sys.argv
    sys.argv = args
    try:
        run_path(args[0], run_name="__main__")
    finally:
        sys.argv = saved


def _differs(a: Any, b: Any) -> bool:
    """Whether ``a != b`` anywhere (element-wise results of tensors/arrays included)."""
    result = a != b
    if isinstance(result, bool):
        return result
    if isinstance(result, torch.Tensor):
        return bool(result.any())
    if hasattr(result, "any"):
        return bool(result.any())
    if isinstance(result, Iterable):
        return any(bool(r) for r in result)
    return bool(result)


def assert_dict_contains_subset(dict_obj: dict, expected_subset: dict) -> bool:
    """Whether ``dict_obj`` holds every key of ``expected_subset`` with an equal value."""
    return all(
        key in dict_obj and not _differs(dict_obj[key], value)
        for key, value in expected_subset.items()
    )


def assert_attrs_equal(obj: Any, expected_attrs: dict[str, Any]) -> bool:
    """Whether ``obj`` has every attribute of ``expected_attrs`` with an equal value."""
    return all(
        hasattr(obj, attr) and not _differs(getattr(obj, attr), value)
        for attr, value in expected_attrs.items()
    )


def assert_dict_has_keys(obj: dict, expected_keys: Iterable[str]) -> bool:
    """Whether ``obj`` has all of ``expected_keys``."""
    return set(expected_keys) <= set(obj.keys())


def assert_keys_equal(result_keys: Iterable[str], target_keys: Iterable[str]) -> bool:
    """Whether the two collections hold the same keys (order and repeats ignored)."""
    return set(result_keys) == set(target_keys)


def assert_is_norm_layer(module: nn.Module) -> bool:
    """Whether ``module`` is a batch, instance, group or layer norm."""
    norms = (nn.modules.batchnorm._BatchNorm, nn.modules.instancenorm._InstanceNorm)
    return isinstance(module, (*norms, nn.GroupNorm, nn.LayerNorm))


def assert_params_all_zeros(module: nn.Module) -> bool:
    """Whether ``module.weight`` (and ``module.bias``, if any) are all zeros (within
    ``torch.allclose``'s default tolerance, as MMEngine checks)."""
    tensors = [module.weight] + ([module.bias] if getattr(module, "bias", None) is not None else [])
    return all(torch.allclose(t.detach(), torch.zeros_like(t)) for t in tensors)
