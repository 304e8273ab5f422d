"""Check treadle.optim against a live MMEngine 0.10.7, step by step.

    python tests/core/optim/mmengine_parity.py

``nox -s parity`` runs it (MMEngine, torch and Treadle installed side by side); it is
not a pytest module, as the test session has no MMEngine. Compared: every scheduler's
values and ``get_last_value()`` (windows, epoch-to-iteration conversion, momentum via
``betas``, reduce-on-plateau), scheduler counters and ``base_lr`` on multi-group
wrappers, wrapper state dicts, exact gradient accumulation, and the param groups the
default constructor builds. Exit status 1 on any difference.
"""

from __future__ import annotations

import copy
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).parents[2]))  # tests/: the shared support package
from support.mmengine_side import mmengine_mismatch

SCHEDULER_CASES: list[tuple[str, dict[str, Any]]] = [
    ("StepLR", dict(step_size=3, gamma=0.5, begin=2, end=17)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9, begin=3, end=10)),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.001)),
    ("CosineAnnealingLR", dict(begin=4, end=14, eta_min_ratio=0.1)),
    ("LinearLR", dict(start_factor=0.25, end_factor=0.9, begin=1, end=6)),
    ("ConstantLR", dict(factor=0.5, begin=2, end=7)),
    ("PolyLR", dict(power=2.0, eta_min=0.001, end=11)),
    ("OneCycleLR", dict(eta_max=[1.0, 0.4], total_steps=20)),
    ("OneCycleLR", dict(eta_max=0.5, total_steps=24, pct_start=0.25, anneal_strategy="linear",
                        div_factor=10, final_div_factor=100, three_phase=True)),
    ("CosineRestartLR", dict(periods=[5, 4, 6], restart_weights=[1, 0.7, 0.3], eta_min=0.01)),
    ("CosineRestartLR", dict(periods=[5, 4], restart_weights=[1, 0.5], eta_min_ratio=0.1,
                             begin=3, end=20)),
    ("StepMomentum", dict(step_size=2, gamma=0.5)),
    ("LinearMomentum", dict(start_factor=0.5, end=8)),
    ("CosineAnnealingMomentum", dict(T_max=5)),
    ("LinearParamScheduler", dict(param_name="weight_decay", start_factor=0.1, end=8)),
    ("PolyParamScheduler", dict(param_name="weight_decay", power=0.9, end=8)),
]  # fmt: skip
ITER_CASES: list[tuple[str, dict[str, Any]]] = [
    ("StepLR", dict(step_size=2)),
    ("MultiStepLR", dict(milestones=[1, 3])),
    ("CosineAnnealingLR", dict(T_max=3, begin=1, end=4)),
    ("CosineRestartLR", dict(periods=[2, 3], restart_weights=[1, 0.5], eta_min=0.0)),
    ("OneCycleLR", dict(eta_max=1.0, total_steps=5)),
    ("PolyLR", dict(end=5)),
    ("ExponentialLR", dict(gamma=0.9, end=3)),
]
PARAMWISE_CASES: list[dict[str, Any]] = [
    dict(norm_decay_mult=0),
    dict(bias_lr_mult=2.0, bias_decay_mult=0.0, norm_decay_mult=0.0, dwconv_decay_mult=0.5,
         flat_decay_mult=0.3),
    dict(custom_keys={"backbone": dict(lr_mult=0.1), "backbone.1": dict(decay_mult=0.0),
                      "head": dict(lr_mult=10.0, foo=1)}, bias_lr_mult=2.0),
    dict(flat_decay_mult=0.0, bypass_duplicate=True),
]  # fmt: skip


def _optimizer(kind: str) -> torch.optim.Optimizer:
    a, b = nn.Parameter(torch.zeros(2)), nn.Parameter(torch.zeros(2))
    if kind == "adam":
        return torch.optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.05, "weight_decay": 0.2}]
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9, weight_decay=0.1)


def _values(optimizer: torch.optim.Optimizer, key: str) -> list[float]:
    if key == "momentum" and "betas" in optimizer.param_groups[0]:
        return [group["betas"][0] for group in optimizer.param_groups]
    return [group[key] for group in optimizer.param_groups]


def _close(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(
        math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) for x, y in zip(a, b, strict=True)
    )


def _factory(
    module: Any, name: str, kwargs: dict[str, Any], epoch_length: int | None = None
) -> Callable[[torch.optim.Optimizer], Any]:
    """Build scheduler ``name`` of ``module`` on an optimizer (converted if epoch_length)."""
    cls = getattr(module, name)

    def build(optimizer: torch.optim.Optimizer) -> Any:
        if epoch_length is None:
            return cls(optimizer, **copy.deepcopy(kwargs))
        return cls.build_iter_from_epoch(optimizer, epoch_length=epoch_length, **kwargs)

    return build


def _trace(build: Callable[[torch.optim.Optimizer], Any], kind: str, key: str, steps: int):
    optimizer = _optimizer(kind)
    scheduler = build(optimizer)
    trace = []
    for _ in range(steps):
        trace.append((_values(optimizer, key), scheduler.get_last_value()))
        optimizer.step()
        scheduler.step()
    return trace


def check_schedulers(mme: Any, ours: Any, report: Callable[[str, bool], None]) -> None:
    for name, kwargs in SCHEDULER_CASES:
        key = kwargs.get("param_name", "momentum" if "Momentum" in name else "lr")
        steps = kwargs.get("total_steps", 25)
        for kind in ("sgd", "adam") if "Momentum" in name else ("sgd",):
            traces = [_trace(_factory(m, name, kwargs), kind, key, steps) for m in (mme, ours)]
            same = all(
                _close(a[0], b[0]) and _close(a[1], b[1]) for a, b in zip(*traces, strict=True)
            )
            report(f"{name}({kwargs}) on {kind}", same)
    for name, kwargs in ITER_CASES:
        traces = [
            _trace(_factory(m, name, kwargs, epoch_length=4), "sgd", "lr", 20) for m in (mme, ours)
        ]
        same = all(_close(a[0], b[0]) for a, b in zip(*traces, strict=True))
        report(f"{name}.build_iter_from_epoch({kwargs}, epoch_length=4)", same)
    metrics = [1.0, 0.9, 0.95, 0.91, 0.92, 0.93, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 0.3]
    for kwargs in (
        dict(patience=1, factor=0.5, cooldown=1, threshold=0.05, min_value=0.02),
        dict(rule="greater", threshold_rule="abs", patience=0, factor=0.3, begin=2, end=9),
    ):
        traces = []
        for module in (mme, ours):
            optimizer = _optimizer("sgd")
            scheduler = module.ReduceOnPlateauLR(optimizer, **kwargs)
            trace = []
            for value in metrics:
                scheduler.step()
                scheduler.step({"loss": value})
                trace.append(_values(optimizer, "lr"))
            traces.append(trace)
        report(f"ReduceOnPlateauLR({kwargs})", traces[0] == traces[1])


def check_wrappers(mme: Any, ours: Any, report: Callable[[str, bool], None]) -> None:
    for name, kwargs in [
        ("StepLR", dict(step_size=2, begin=1, end=9)),
        ("OneCycleLR", dict(eta_max=1.0, total_steps=10)),
        ("LinearMomentum", dict(start_factor=0.5, end=5)),
        ("ReduceOnPlateauLR", dict(patience=0)),
    ]:
        results = []
        for module in (mme, ours):
            a, b = nn.Parameter(torch.zeros(1)), nn.Parameter(torch.zeros(1))
            groups = [{"params": [a]}, {"params": [b], "lr": 0.5}]
            wrapper = module.OptimWrapper(torch.optim.SGD(groups, lr=0.1, momentum=0.9))
            scheduler = getattr(module, name)(wrapper, **kwargs)
            trace = []
            for i in range(8):
                trace.append((scheduler._global_step, scheduler.last_step, wrapper.get_lr(),
                              wrapper.get_momentum()))  # fmt: skip
                wrapper.optimizer.step()
                scheduler.step()
                if name.startswith("ReduceOnPlateau"):
                    scheduler.step({"loss": float(i)})
            state = {k: v for k, v in wrapper.state_dict().items() if k != "state"}
            results.append((trace, repr(state)))
        report(
            f"{name} on a two-group OptimWrapper (counters, base_lr, state)",
            results[0] == results[1],
        )

    def train(module: Any) -> list[torch.Tensor]:
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        wrapper = module.OptimWrapper(optimizer, accumulative_counts=3)
        wrapper.initialize_count_status(model, 0, 14)
        generator = torch.Generator().manual_seed(1)
        xs, ys = torch.randn(7, 4, generator=generator), torch.randn(7, 1, generator=generator)
        for _ in range(2):
            for x, y in zip(xs, ys, strict=True):
                with wrapper.optim_context(model):
                    loss = ((model(x) - y) ** 2).mean()
                wrapper.update_params(loss)
        return [p.detach() for p in model.parameters()]

    same = all(torch.allclose(a, b) for a, b in zip(train(mme), train(ours), strict=True))
    report("accumulation over 2 epochs of 7 with accumulative_counts=3", same)


class _Net(nn.Module):
    def __init__(self, shared: bool) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.backbone = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4),
                                      nn.Conv2d(4, 4, 3, groups=4), nn.GroupNorm(2, 4))  # fmt: skip
        self.neck = nn.Sequential(nn.Linear(4, 4), nn.LayerNorm(4))
        self.head = nn.Linear(4, 2)
        self.pos = nn.Parameter(torch.zeros(4))
        self.frozen = nn.Linear(2, 2)
        self.frozen.requires_grad_(False)
        if shared:  # the same parameters reachable twice: needs bypass_duplicate
            self.shared = self.neck[0]


def check_constructor(mme: Any, ours: Any, report: Callable[[str, bool], None]) -> None:
    for paramwise_cfg in PARAMWISE_CASES:
        results = []
        for module in (mme, ours):
            model = _Net(shared=paramwise_cfg.get("bypass_duplicate", False))
            names = {id(p): n for n, p in model.named_parameters()}
            cfg = dict(
                optimizer=dict(type="SGD", lr=0.01, momentum=0.9, weight_decay=1e-4),
                paramwise_cfg=copy.deepcopy(paramwise_cfg),
            )
            wrapper = module.build_optim_wrapper(model, cfg)
            results.append([
                (tuple(names[id(p)] for p in group["params"]),
                 {k: v for k, v in group.items() if k != "params"})
                for group in wrapper.optimizer.param_groups
            ])  # fmt: skip
        report(f"paramwise_cfg={paramwise_cfg}", results[0] == results[1])


def main() -> int:
    mismatch = mmengine_mismatch()
    if mismatch:
        print(mismatch)
        return 1
    import mmengine
    import mmengine.optim
    import mmengine.optim.scheduler

    import treadle.optim

    class Both:  # mmengine.optim does not re-export CosineRestart*; its scheduler package does
        def __getattr__(self, name: str) -> Any:
            for module in (mmengine.optim.scheduler, mmengine.optim):
                if hasattr(module, name):
                    return getattr(module, name)
            raise AttributeError(name)

    failures: list[str] = []

    def report(what: str, same: bool) -> None:
        print(f"{'same' if same else 'DIFFERENT'}: {what}")
        if not same:
            failures.append(what)

    for check in (check_schedulers, check_wrappers, check_constructor):
        check(Both(), treadle.optim, report)
    print(f"{len(failures)} difference(s)" if failures else "treadle.optim matches mmengine 0.10.7")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
