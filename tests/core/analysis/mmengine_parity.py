"""Check treadle.analysis against a live MMEngine 0.10.7 on the models of ``zoo.py``.

    python tests/core/analysis/mmengine_parity.py

``nox -s parity`` runs it (MMEngine, torch and Treadle installed side by side). Compared
for each model: everything ``get_model_complexity_info`` returns (the totals, their
strings, the table and the annotated architecture, character for character), the
flops and activations of every module, the flops per operator, the modules never
called, and ``parameter_count_table``. Per-operator names differ where MMEngine's JIT
graph shows ``linear`` inside ``nn.MultiheadAttention`` and Treadle's eager recording
shows the ``addmm`` it runs (same counts): there only the per-module figures are
compared. Exit status 1 on any difference.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

os.environ["COLUMNS"] = "10000"  # MMEngine's tables wrap to the terminal; Treadle's never do
sys.path.insert(0, str(Path(__file__).parent))  # zoo
sys.path.insert(0, str(Path(__file__).parents[2]))  # tests/: the shared support package

import torch
import zoo
from support.mmengine_side import mmengine_mismatch

# nn.MultiheadAttention: MMEngine names 'linear' what Treadle names 'addmm'
OPERATOR_NAMES_DIFFER = {"encoder_layer", "encoder_layer_eval"}


def analyse(package: Any, name: str) -> dict[str, Any]:
    """Everything compared, for one model, from ``package`` (mmengine.analysis or ours)."""
    make, shape = zoo.CASES[name]
    torch.manual_seed(0)
    model = make()
    info = package.get_model_complexity_info(model, shape)
    inputs = tuple(torch.randn(1, *s) for s in (shape if isinstance(shape[0], tuple) else [shape]))
    flops = package.FlopAnalyzer(model, inputs)
    acts = package.ActivationAnalyzer(model, inputs)
    result = dict(info)
    result["flops_by_module"] = dict(flops.by_module())
    result["acts_by_module"] = dict(acts.by_module())
    result["uncalled"] = sorted(flops.uncalled_modules())
    result["param_table"] = package.parameter_count_table(model)
    if name not in OPERATOR_NAMES_DIFFER:
        result["flops_by_operator"] = {
            m: dict(c) for m, c in flops.by_module_and_operator().items()
        }
        result["acts_by_operator"] = dict(acts.by_operator())
    return result


def main() -> int:
    mismatch = mmengine_mismatch()
    if mismatch:
        print(mismatch)
        return 1
    import mmengine
    import mmengine.analysis

    import treadle.analysis

    failures = []
    for name in zoo.CASES:
        theirs = analyse(mmengine.analysis, name)
        ours = analyse(treadle.analysis, name)
        different = [key for key in theirs if theirs[key] != ours.get(key)]
        print(f"{'DIFFERENT' if different else 'same'}: {name}")
        for key in different:
            print(f"  {key}:\n    mmengine: {theirs[key]!r}\n    treadle:  {ours.get(key)!r}")
        if different:
            failures.append(name)
    print(
        f"{len(failures)} model(s) differ"
        if failures
        else "treadle.analysis matches mmengine 0.10.7"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
