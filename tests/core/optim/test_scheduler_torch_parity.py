"""Each scheduler with a torch counterpart gives the same values at every step."""

from collections.abc import Callable

import pytest
import torch
from torch.optim import lr_scheduler as torch_sched

from treadle.optim import (
    ConstantLR,
    CosineAnnealingLR,
    CosineRestartLR,
    ExponentialLR,
    LinearLR,
    MultiStepLR,
    OneCycleLR,
    PolyLR,
    ReduceOnPlateauLR,
    StepLR,
)


def _optimizer() -> torch.optim.Optimizer:
    """Two param groups with different lrs, so per-group handling is checked too."""
    a, b = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(2))
    return torch.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1, momentum=0.9)


def _lrs(optimizer: torch.optim.Optimizer) -> list[float]:
    return [group["lr"] for group in optimizer.param_groups]


CASES: dict[str, tuple[Callable, Callable, int]] = {
    "StepLR": (
        lambda o: StepLR(o, step_size=3, gamma=0.5),
        lambda o: torch_sched.StepLR(o, step_size=3, gamma=0.5),
        20,
    ),
    "MultiStepLR": (
        lambda o: MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
        lambda o: torch_sched.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
        15,
    ),
    "ExponentialLR": (
        lambda o: ExponentialLR(o, gamma=0.9),
        lambda o: torch_sched.ExponentialLR(o, gamma=0.9),
        20,
    ),
    "CosineAnnealingLR": (
        lambda o: CosineAnnealingLR(o, T_max=10, eta_min=0.001),
        lambda o: torch_sched.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
        45,  # past T_max: the cosine climbs back up, as torch's does
    ),
    "LinearLR": (
        lambda o: LinearLR(o, start_factor=0.25, end_factor=0.9, end=6),
        lambda o: torch_sched.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=5),
        15,
    ),
    "ConstantLR": (
        lambda o: ConstantLR(o, factor=0.5, end=5),
        lambda o: torch_sched.ConstantLR(o, factor=0.5, total_iters=4),
        12,
    ),
    "PolyLR": (
        lambda o: PolyLR(o, power=2.0, end=11),
        lambda o: torch_sched.PolynomialLR(o, total_iters=10, power=2.0),
        15,
    ),
    "OneCycleLR-cos": (
        lambda o: OneCycleLR(o, eta_max=[1.0, 0.4], total_steps=20),
        lambda o: torch_sched.OneCycleLR(
            o, max_lr=[1.0, 0.4], total_steps=20, cycle_momentum=False
        ),
        20,
    ),
    "OneCycleLR-linear-three-phase": (
        lambda o: OneCycleLR(
            o,
            eta_max=0.5,
            total_steps=30,
            pct_start=0.25,
            anneal_strategy="linear",
            div_factor=10,
            final_div_factor=100,
            three_phase=True,
        ),
        lambda o: torch_sched.OneCycleLR(
            o,
            max_lr=0.5,
            total_steps=30,
            pct_start=0.25,
            anneal_strategy="linear",
            div_factor=10,
            final_div_factor=100,
            three_phase=True,
            cycle_momentum=False,
        ),
        30,
    ),
    "CosineRestartLR": (
        lambda o: CosineRestartLR(o, periods=[5, 5, 5], restart_weights=[1, 1, 1], eta_min=0.01),
        lambda o: torch_sched.CosineAnnealingWarmRestarts(o, T_0=5, eta_min=0.01),
        14,  # the three periods; torch restarts forever, ours holds after the last
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_values_as_torch_at_every_step(case):
    ours_factory, torch_factory, steps = CASES[case]
    ours_opt, torch_opt = _optimizer(), _optimizer()
    ours, theirs = ours_factory(ours_opt), torch_factory(torch_opt)
    seen = []
    for step in range(steps + 1):
        expected = _lrs(torch_opt)
        assert _lrs(ours_opt) == pytest.approx(expected, rel=1e-9, abs=1e-12), f"step {step}"
        assert ours.get_last_value() == pytest.approx(theirs.get_last_lr(), rel=1e-9, abs=1e-12)
        seen.append(tuple(expected))
        if step < steps:
            ours_opt.step()
            torch_opt.step()
            ours.step()
            theirs.step()
    assert len(set(seen)) > 1  # the schedule really moved


@pytest.mark.parametrize(
    ("rule", "threshold_rule", "metrics"),
    [
        ("less", "rel", [1.0, 0.9, 0.95, 0.91, 0.92, 0.93, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1]),
        ("greater", "abs", [0.1, 0.2, 0.2, 0.21, 0.2, 0.19, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]),
    ],
)
def test_reduce_on_plateau_matches_torch(rule, threshold_rule, metrics):
    ours_opt, torch_opt = _optimizer(), _optimizer()
    ours = ReduceOnPlateauLR(
        ours_opt,
        monitor="acc",
        rule=rule,
        factor=0.5,
        patience=1,
        threshold=0.05,
        threshold_rule=threshold_rule,
        cooldown=1,
        min_value=[0.02, 0.0],
    )
    mode = "min" if rule == "less" else "max"
    theirs = torch_sched.ReduceLROnPlateau(
        torch_opt,
        mode=mode,
        factor=0.5,
        patience=1,
        threshold=0.05,
        threshold_mode=threshold_rule,
        cooldown=1,
        min_lr=[0.02, 0.0],
    )
    history = []
    for value in metrics:
        ours_opt.step()
        torch_opt.step()
        ours.step()  # a training step only counts
        ours.step({"acc": value})
        theirs.step(value)
        assert _lrs(ours_opt) == pytest.approx(_lrs(torch_opt))
        history.append(_lrs(ours_opt)[0])
    assert len(set(history)) > 2
