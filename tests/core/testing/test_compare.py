"""The assertion helpers of treadle.testing (MMEngine's: the assert_* predicates return bools)."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
from torch import nn

from treadle.testing import (
    assert_allclose,
    assert_attrs_equal,
    assert_dict_contains_subset,
    assert_dict_has_keys,
    assert_is_norm_layer,
    assert_keys_equal,
    assert_params_all_zeros,
    check_python_script,
)


def test_assert_allclose() -> None:
    assert_allclose(torch.tensor([1.0, float("nan")]), [1.0 + 1e-7, float("nan")])
    assert_allclose(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    with pytest.raises(AssertionError, match="the weights moved"):
        assert_allclose(torch.tensor([1.0]), torch.tensor([1.1]), msg="the weights moved")
    with pytest.raises(AssertionError):
        assert_allclose(torch.tensor([1.0]), torch.tensor([1.01]), rtol=1e-3, atol=0.0)


def test_dict_and_attribute_predicates() -> None:
    result = dict(loss=torch.tensor([1.0, 2.0]), name="a", n=3)
    assert assert_dict_contains_subset(result, dict(loss=torch.tensor([1.0, 2.0]), n=3))
    assert not assert_dict_contains_subset(result, dict(loss=torch.tensor([1.0, 2.5])))
    assert not assert_dict_contains_subset(result, dict(missing=1))
    assert assert_dict_has_keys(result, ["loss", "n"])
    assert not assert_dict_has_keys(result, ["loss", "acc"])
    assert assert_keys_equal(["a", "b"], ["b", "a"])
    assert not assert_keys_equal(["a"], ["a", "b"])
    fc = nn.Linear(2, 2)
    assert assert_attrs_equal(fc, dict(in_features=2, out_features=2))
    assert not assert_attrs_equal(fc, dict(in_features=3))
    assert not assert_attrs_equal(fc, dict(no_such_attribute=1))


def test_module_predicates() -> None:
    for norm in (nn.BatchNorm2d(2), nn.InstanceNorm1d(2), nn.GroupNorm(1, 2), nn.LayerNorm(2)):
        assert assert_is_norm_layer(norm)
    assert not assert_is_norm_layer(nn.Linear(2, 2))
    fc = nn.Linear(2, 2)
    assert not assert_params_all_zeros(fc)
    nn.init.zeros_(fc.weight)
    assert not assert_params_all_zeros(fc)  # the bias is not zero yet
    nn.init.zeros_(fc.bias)
    assert assert_params_all_zeros(fc)
    conv = nn.Conv2d(1, 1, 1, bias=False)
    nn.init.zeros_(conv.weight)
    assert assert_params_all_zeros(conv)


def test_check_python_script_runs_it_as_main(tmp_path) -> None:
    out = tmp_path / "argv.txt"
    script = tmp_path / "tool.py"
    script.write_text(
        "import sys\n"
        "if __name__ == '__main__':\n"
        f"    open({str(out)!r}, 'w').write(' '.join(sys.argv))\n"
    )
    before = list(sys.argv)
    check_python_script(f"python {script} --epochs 2")
    assert out.read_text() == f"{script} --epochs 2"
    assert sys.argv == before
    with pytest.raises(ValueError, match="needs a script path"):
        check_python_script("python")
