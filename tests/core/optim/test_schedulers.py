"""Parameter schedulers: windows, chaining, epoch-to-iteration conversion, state, bad input."""

import logging
import math

import pytest
import torch

from treadle.optim import (
    CosineAnnealingLR,
    CosineRestartLR,
    LinearLR,
    LinearMomentum,
    LinearParamScheduler,
    MultiStepLR,
    OneCycleLR,
    OptimWrapper,
    ReduceOnPlateauLR,
    StepLR,
    StepMomentum,
)
from treadle.registry import PARAM_SCHEDULERS


def _sgd(lr: float = 1.0, **kwargs) -> torch.optim.SGD:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, **kwargs)


def _lr(optimizer) -> float:
    return optimizer.param_groups[0]["lr"]


def test_warmup_then_cosine_chain_follows_the_closed_form():
    optimizer = _sgd(lr=1.0)
    schedulers = [
        LinearLR(optimizer, start_factor=0.2, by_epoch=False, begin=0, end=5),
        CosineAnnealingLR(optimizer, T_max=10, by_epoch=False, begin=5, end=15),
    ]
    for step in range(20):
        if step < 5:
            expected = 0.2 + 0.8 * step / 4
        elif step < 15:
            expected = (1 + math.cos(math.pi * (step - 5) / 10)) / 2
        else:
            expected = (1 + math.cos(math.pi * 9 / 10)) / 2  # holds after the last window
        assert _lr(optimizer) == pytest.approx(expected), f"step {step}"
        for scheduler in schedulers:
            scheduler.step()


def test_iteration_warmup_with_epoch_milestones_as_a_runner_drives_them():
    optimizer = _sgd(lr=0.1)
    warmup = LinearLR(optimizer, start_factor=0.001, by_epoch=False, begin=0, end=6)
    decay = MultiStepLR(optimizer, by_epoch=True, milestones=[2, 3], gamma=0.1)
    epoch_length, seen = 4, {}
    for epoch in range(4):
        for it in range(epoch_length):
            seen[(epoch, it)] = _lr(optimizer)
            for scheduler in (warmup, decay):
                if not scheduler.by_epoch:
                    scheduler.step()
        for scheduler in (warmup, decay):
            if scheduler.by_epoch:
                scheduler.step()
    assert seen[(0, 0)] == pytest.approx(0.1 * 0.001)
    assert seen[(1, 1)] == pytest.approx(0.1)  # warm-up done after 6 iterations
    assert seen[(1, 3)] == pytest.approx(0.1)
    assert seen[(2, 0)] == pytest.approx(0.01)
    assert seen[(3, 2)] == pytest.approx(0.001)


def test_convert_to_iter_based_scales_epoch_arguments():
    optimizer = _sgd(lr=1.0)
    cosine = PARAM_SCHEDULERS.build(
        dict(type="CosineAnnealingLR", T_max=3, by_epoch=True, begin=1, end=4,
             convert_to_iter_based=True),
        default_args=dict(optimizer=optimizer, epoch_length=4),
    )  # fmt: skip
    assert (cosine.begin, cosine.end, cosine.T_max, cosine.by_epoch) == (4, 16, 12, False)
    values = []
    for _ in range(16):
        values.append(_lr(optimizer))
        cosine.step()
    assert values[:5] == [1.0] * 5
    assert values[4 + 6] == pytest.approx(0.5)  # half-way through 12 iterations
    assert values[15] == pytest.approx((1 + math.cos(math.pi * 11 / 12)) / 2)

    built = {
        "StepLR": dict(step_size=2),
        "MultiStepLR": dict(milestones=[1, 3]),
        "CosineRestartLR": dict(periods=[2, 3], restart_weights=[1, 0.5]),
        "OneCycleLR": dict(eta_max=1.0, total_steps=5),
        "PolyLR": dict(end=5),
    }
    for name, kwargs in built.items():
        scheduler = PARAM_SCHEDULERS.build(
            dict(type=name, convert_to_iter_based=True, **kwargs),
            default_args=dict(optimizer=_sgd(), epoch_length=10),
        )
        assert scheduler.by_epoch is False
    step = PARAM_SCHEDULERS.build(
        dict(type="StepLR", step_size=2, convert_to_iter_based=True),
        default_args=dict(optimizer=_sgd(), epoch_length=10),
    )
    assert step.step_size == 20
    multi = MultiStepLR.build_iter_from_epoch(_sgd(), milestones=[1, 3], epoch_length=10)
    assert multi.milestones == {10: 1, 30: 1}
    restart = CosineRestartLR.build_iter_from_epoch(
        _sgd(), periods=[2, 3], restart_weights=[1, 0.5], epoch_length=10
    )
    assert restart.periods == [20, 30]
    one_cycle = OneCycleLR.build_iter_from_epoch(
        _sgd(), eta_max=1.0, total_steps=5, epoch_length=10
    )
    assert one_cycle.total_steps == 50
    # epoch_length is only for conversion: other schedulers build with it in default_args
    plain = PARAM_SCHEDULERS.build(
        dict(type="StepLR", step_size=2), default_args=dict(optimizer=_sgd(), epoch_length=10)
    )
    assert plain.step_size == 2 and plain.by_epoch


def test_conversion_errors_name_the_fix():
    with pytest.raises(ValueError, match="needs epoch_length"):
        PARAM_SCHEDULERS.build(
            dict(type="StepLR", step_size=2, convert_to_iter_based=True),
            default_args=dict(optimizer=_sgd()),
        )
    with pytest.raises(ValueError, match="by_epoch=False"):
        StepLR.build_iter_from_epoch(_sgd(), step_size=2, by_epoch=False, epoch_length=3)
    with pytest.raises(ValueError, match="positive int"):
        StepLR.build_iter_from_epoch(_sgd(), step_size=2, epoch_length=0)


def test_momentum_schedulers_drive_sgd_momentum_and_adam_betas():
    sgd = OptimWrapper(_sgd(momentum=0.9))
    LinearMomentum(sgd, start_factor=0.5, end=3)
    assert sgd.get_momentum() == {"momentum": [0.45]}

    adam = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=0.1, betas=(0.9, 0.99))
    scheduler = StepMomentum(adam, step_size=2, gamma=0.5)
    for _ in range(4):
        adam.step()
        scheduler.step()
    assert adam.param_groups[0]["betas"] == pytest.approx((0.225, 0.99))
    assert OptimWrapper(adam).get_momentum() == {"momentum": [pytest.approx(0.225)]}
    with pytest.raises(ValueError, match="neither 'momentum' nor 'betas'"):
        StepMomentum(torch.optim.Rprop([torch.nn.Parameter(torch.zeros(1))]), step_size=1)


def test_generic_param_scheduler_schedules_weight_decay():
    optimizer = _sgd(weight_decay=0.1)
    scheduler = LinearParamScheduler(
        optimizer, param_name="weight_decay", start_factor=0.1, by_epoch=False, end=10
    )
    values = []
    for _ in range(10):
        values.append(optimizer.param_groups[0]["weight_decay"])
        scheduler.step()
    assert values[0] == pytest.approx(0.01) and values[-1] == pytest.approx(0.1)
    assert _lr(optimizer) == 1.0


def _advance(scheduler, loss: float) -> None:
    """What the runner's scheduler hook does after an epoch (and validation)."""
    if getattr(scheduler, "need_val_args", False):
        scheduler.step({"loss": loss})
    else:
        scheduler.step()


@pytest.mark.parametrize(
    "factory",
    [
        lambda o: MultiStepLR(o, milestones=[2, 4], gamma=0.5),
        lambda o: OneCycleLR(o, eta_max=2.0, total_steps=12),
        lambda o: ReduceOnPlateauLR(o, patience=0, factor=0.5),
    ],
)
def test_state_dict_survives_a_weights_only_checkpoint(tmp_path, factory):
    optimizer = _sgd(lr=1.0)
    scheduler = factory(optimizer)
    metrics = [1.0, 2.0, 3.0, 0.5, 0.6]
    for value in metrics[:3]:
        optimizer.step()
        _advance(scheduler, value)
    torch.save(
        {"scheduler": scheduler.state_dict(), "optimizer": optimizer.state_dict()},
        tmp_path / "ckpt.pth",
    )
    checkpoint = torch.load(tmp_path / "ckpt.pth", weights_only=True)
    resumed_optimizer = _sgd(lr=1.0)
    resumed = factory(resumed_optimizer)
    resumed_optimizer.load_state_dict(checkpoint["optimizer"])
    resumed.load_state_dict(checkpoint["scheduler"])
    assert resumed.optimizer is resumed_optimizer
    for value in metrics[3:]:
        for opt, sched in ((optimizer, scheduler), (resumed_optimizer, resumed)):
            opt.step()
            _advance(sched, value)
        assert _lr(resumed_optimizer) == pytest.approx(_lr(optimizer))
    assert resumed.get_last_value() == scheduler.get_last_value()


def test_verbose_logs_each_change(caplog):
    optimizer = _sgd(lr=1.0)
    with caplog.at_level(logging.INFO, logger="treadle.optim"):
        scheduler = StepLR(optimizer, step_size=1, gamma=0.5, verbose=True)
        scheduler.step()
    assert "StepLR: lr of param group 0 set to 5.0000e-01" in caplog.text


@pytest.mark.parametrize(
    ("cfg", "error", "match"),
    [
        (dict(type="StepLR", step=3), TypeError, "unknown argument 'step'.*'step_size'"),
        (dict(type="LinearMomentum", strat_factor=0.1), TypeError, "Did you mean 'start_factor'"),
        (
            dict(type="LinearParamScheduler", param_name="weight_decy"),
            KeyError,
            r"param_name 'weight_decy'.*'weight_decay'",
        ),
        (dict(type="LinearLR", begin=5, end=5), ValueError, r"begin \(5\) must be smaller"),
        (dict(type="CosineAnnealingLR", begin=8, end=3), ValueError, r"end \(3\)"),
        (
            dict(type="CosineAnnealingLR", T_max=4, eta_min=0.1, eta_min_ratio=0.1),
            ValueError,
            "not both",
        ),
        (dict(type="LinearLR", start_factor=0), ValueError, "start_factor must be > 0"),
        (dict(type="OneCycleLR", eta_max=1.0), ValueError, "total_steps or a finite end"),
        (dict(type="CosineRestartLR", periods=[2, 2]), ValueError, "same length"),
        (dict(type="ReduceOnPlateauLR", rule="lower"), ValueError, "'less' or 'greater'"),
    ],
)
def test_bad_scheduler_config_names_the_culprit(cfg, error, match):
    with pytest.raises(error, match=match):
        PARAM_SCHEDULERS.build(cfg, default_args=dict(optimizer=_sgd(momentum=0.9)))


def test_runtime_misuse_is_named():
    optimizer = _sgd()
    one_cycle = OneCycleLR(optimizer, eta_max=1.0, total_steps=3)
    for _ in range(3):
        one_cycle.step()
    with pytest.raises(ValueError, match="past total_steps=3"):
        one_cycle.step()
    plateau = ReduceOnPlateauLR(_sgd(), monitor="accuracy")
    with pytest.raises(KeyError, match=r"monitors 'accuracy'.*\['loss'\]"):
        plateau.step({"loss": 1.0})
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(_sgd(), step_size=1, last_step=3)
    with pytest.raises(TypeError, match="Optimizer or an OptimWrapper"):
        StepLR([torch.nn.Parameter(torch.zeros(1))], step_size=1)
