import pytest
import torch

from treadle.hooks import Hook, ParamSchedulerHook
from treadle.optim import MultiStepLR, OptimWrapper, ReduceOnPlateauLR, StepMomentum


class LrProbe(Hook):
    """Records the lr (and momentum) each training iteration runs with."""

    priority = "HIGHEST"

    def __init__(self, *wrappers):
        self.wrappers = wrappers
        self.seen = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.seen.append(
            tuple((w.get_lr()["lr"][0], w.get_momentum()["momentum"][0]) for w in self.wrappers)
        )


def _sgd(model):
    return OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9))


def test_epoch_schedulers_step_per_epoch_and_iter_schedulers_per_iteration(runner):
    runner.optim_wrapper = _sgd(runner.model)
    runner.param_schedulers = [
        MultiStepLR(runner.optim_wrapper, milestones=[1, 2], gamma=0.5, by_epoch=True),
        StepMomentum(runner.optim_wrapper, step_size=2, gamma=0.5, by_epoch=False),
    ]
    probe = LrProbe(runner.optim_wrapper)
    runner.hooks.register(ParamSchedulerHook())
    runner.hooks.register(probe)
    runner.train()
    lrs = [seen[0][0] for seen in probe.seen]
    momenta = [seen[0][1] for seen in probe.seen]
    assert lrs == pytest.approx([0.1] * 4 + [0.05] * 4 + [0.025] * 4)
    assert momenta == pytest.approx([0.9 * 0.5 ** (i // 2) for i in range(12)])


def test_a_dict_of_scheduler_lists_steps_every_list(runner):
    first = _sgd(runner.model.linear)
    second = _sgd(runner.model.norm)
    runner.param_schedulers = {
        "first": [MultiStepLR(first, milestones=[2], gamma=0.1, by_epoch=False)],
        "second": [MultiStepLR(second, milestones=[1], gamma=0.1, by_epoch=True)],
    }
    probe = LrProbe(first, second)
    runner.hooks.register(ParamSchedulerHook())
    runner.hooks.register(probe)
    runner.train()
    assert [s[0][0] for s in probe.seen] == pytest.approx([0.1, 0.1] + [0.01] * 10)
    assert [s[1][0] for s in probe.seen] == pytest.approx([0.1] * 4 + [0.01] * 8)


def test_reduce_on_plateau_is_stepped_with_the_validation_metrics(runner):
    runner.param_schedulers = [
        ReduceOnPlateauLR(runner.optim_wrapper, monitor="loss", patience=0, factor=0.5)
    ]
    probe = LrProbe(runner.optim_wrapper)
    probe.before_train_iter = lambda runner, batch_idx, data_batch=None: probe.seen.append(
        runner.optim_wrapper.get_lr()["lr"][0]
    )
    runner.hooks.register(ParamSchedulerHook())
    runner.hooks.register(probe)
    # improves, then stalls: the stall after epoch 2 halves the lr for epoch 3
    runner.train(metrics=[{"loss": 1.0}, {"loss": 1.0}, {"loss": 0.5}])
    assert probe.seen == pytest.approx([0.1] * 8 + [0.05] * 4)
    assert runner.param_schedulers[0].best == 0.5


def test_without_schedulers_nothing_happens_and_bad_containers_are_named(runner):
    runner.hooks.register(ParamSchedulerHook())
    runner.train(metrics=[{"loss": 1.0}] * 3)
    assert runner.optim_wrapper.get_lr()["lr"] == [0.1]
    runner.param_schedulers = {"a": MultiStepLR(runner.optim_wrapper, milestones=[1])}
    with pytest.raises(TypeError, match="must be a list of schedulers"):
        ParamSchedulerHook().after_train_epoch(runner)
    runner.param_schedulers = (MultiStepLR(runner.optim_wrapper, milestones=[1]),)
    with pytest.raises(TypeError, match="list of parameter schedulers or a dict"):
        ParamSchedulerHook().after_train_epoch(runner)
