"""get_model_complexity_info, the tables and the annotated architecture."""

from __future__ import annotations

import pytest
import torch
import zoo
from torch import nn

from treadle.analysis import (
    FlopAnalyzer,
    complexity_stats_table,
    get_model_complexity_info,
    parameter_count,
    parameter_count_table,
)


def rows(table: str) -> list[list[str]]:
    """The cells of an ASCII table, stripped, without its border lines."""
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in table.strip().splitlines()
        if line.startswith("|")
    ]


def test_the_user_guide_example() -> None:
    info = get_model_complexity_info(zoo.TestNet(), (10,))
    assert (info["flops"], info["activations"], info["params"]) == (400, 40, 440)
    assert (info["flops_str"], info["activations_str"], info["params_str"]) == (
        "0.4K",
        "40",
        "0.44K",
    )
    table = rows(info["out_table"])
    assert table[0] == ["module", "#parameters or shape", "#flops", "#activations"]
    assert table[1] == ["model", "0.44K", "0.4K", "40"]
    assert ["inner.fc1.weight", "(10, 10)", "", ""] in table
    assert ["inner", "0.22K", "0.2K", "20"] in table
    arch = info["out_arch"]
    assert arch.startswith("\nTestNet(\n  #params: 0.44K, #flops: 0.4K, #acts: 40\n")
    assert "(inner): InnerNet(\n    #params: 0.22K, #flops: 0.2K, #acts: 20\n" in arch


def test_reports_can_be_left_out_and_inputs_given() -> None:
    model = zoo.TwoInputs()
    inputs = (torch.randn(1, 3, 8, 8), torch.randn(1, 6))
    info = get_model_complexity_info(model, inputs=inputs, show_table=False, show_arch=False)
    assert info["out_table"] == info["out_arch"] == ""
    conv = 4 * 6 * 6 * 3 * 9
    assert info["flops"] == conv + 6 * 4
    from_shapes = get_model_complexity_info(model, ((3, 8, 8), (6,)), show_table=False)
    assert from_shapes["flops"] == info["flops"]
    assert from_shapes["out_arch"].startswith("\nTwoInputs(\n  #params: 0.14K, #flops: 3.91K")


def test_one_forward_pass_serves_flops_and_activations() -> None:
    calls = []
    model = zoo.TestNet()
    model.register_forward_pre_hook(lambda module, args: calls.append(1))
    get_model_complexity_info(model, (10,))
    assert len(calls) == 1


def test_uncalled_modules_are_marked() -> None:
    info = get_model_complexity_info(zoo.Shared(), (8,))
    assert info["out_arch"].startswith("\nN/A indicates a possibly missing statistic")
    assert "(unused): Linear(\n    in_features=8, out_features=8, bias=True\n" in info["out_arch"]
    assert "#params: 72, #flops: N/A, #acts: N/A" in info["out_arch"]
    table = rows(info["out_table"])
    assert ["unused", "72", "", ""] in table  # no flops shown for it in the table


def test_a_chain_of_single_children_is_one_row() -> None:
    model = nn.Sequential(nn.Sequential(nn.Linear(3, 3)))
    table = rows(complexity_stats_table(FlopAnalyzer(model, (torch.randn(1, 3),))))
    assert table[1] == ["0.0", "12", "9"]  # model, 0 and 0.0 agree: one row for the chain


def test_tables_are_not_wrapped_to_the_terminal(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    model = nn.Module()
    model.add_module("a_rather_long_module_name_" * 3, nn.Linear(300, 300))
    table = parameter_count_table(model)
    assert "(300, 300)" in table
    assert all(len(line) > 40 for line in table.splitlines()[1:])


def test_parameter_count_and_table() -> None:
    model = zoo.TinyResNet()
    count = parameter_count(model)
    assert count[""] == sum(p.numel() for p in model.parameters())
    assert count["layer1"] == count["layer1.0"] + count["layer1.1"]
    assert count["fc.weight"] == 640
    table = parameter_count_table(model, max_depth=1)
    assert table.splitlines()[0].strip() == "parameter count of TinyResNet"
    assert [row[0] for row in rows(table)][1:] == [
        "model", "conv1", "bn1", "layer1", "layer2", "fc"
    ]  # fmt: skip


def test_input_errors_say_what_to_give() -> None:
    model = zoo.TestNet()
    with pytest.raises(ValueError, match=r"exactly one of input_shape .* got neither"):
        get_model_complexity_info(model)
    with pytest.raises(ValueError, match="got both"):
        get_model_complexity_info(model, (10,), inputs=(torch.randn(1, 10),))
    with pytest.raises(ValueError, match=r"tuple of ints .* got \[10\]"):
        get_model_complexity_info(model, [10])


def test_a_model_without_parameters() -> None:
    info = get_model_complexity_info(nn.Upsample(scale_factor=2), (2, 3, 3), show_arch=False)
    assert info["flops"] == 2 * 6 * 6 and info["params"] == 0
