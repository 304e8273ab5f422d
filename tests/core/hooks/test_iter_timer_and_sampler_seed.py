import time

import pytest
from torch.utils.data import DataLoader

from treadle.dataset import DefaultSampler
from treadle.hooks import DistSamplerSeedHook, Hook, IterTimerHook


class Sleep(Hook):
    """Sleeps after each training step: inside the step when called before IterTimerHook,
    in the next batch's data wait when called after it."""

    def __init__(self, seconds, priority):
        self.seconds = seconds
        self.priority = priority

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        time.sleep(self.seconds)


def test_times_and_eta_are_recorded_per_mode(runner):
    runner.hooks.register(IterTimerHook())
    runner.hooks.register(Sleep(0.005, "HIGHEST"))  # part of the step
    runner.hooks.register(Sleep(0.01, "LOWEST"))  # part of the next data wait
    runner.train(metrics=[{}, {}, {}])
    hub = runner.message_hub
    times = hub.get_scalar("train/time").data[0]
    data_times = hub.get_scalar("train/data_time").data[0]
    assert len(times) == len(data_times) == 12
    # the first batch of an epoch waits only for the loader; the others also for the sleep
    assert all(d >= 0.01 for i, d in enumerate(data_times) if i % 4)
    assert all(t >= d + 0.005 for d, t in zip(data_times, times, strict=True))
    assert len(hub.get_scalar("val/time").data[0]) == 12  # 4 batches x 3 validations
    assert hub.get_info("eta") == 0.0  # after the last batch of the last validation
    runner.validate({}, mode="test")
    assert len(hub.get_scalar("test/data_time").data[0]) == 4


def test_eta_while_training_counts_the_remaining_iterations(runner):
    etas = []

    class Probe(Hook):
        priority = "LOWEST"

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            hub = runner.message_hub
            etas.append((hub.get_info("eta"), list(hub.get_scalar("train/time").data[0])))

    runner.hooks.register(IterTimerHook())
    runner.hooks.register(Probe())
    runner.train()
    assert len(etas) == 12 and etas[-1][0] == 0.0
    for done, (eta, times) in enumerate(etas, start=1):
        # mean iteration time so far x iterations left
        assert eta == pytest.approx(sum(times) / done * (12 - done))


def test_eta_while_validating_counts_this_epochs_iterations_only(runner):
    """Slow first validation, fast second: the second's eta must not carry the first's."""
    etas = []

    class Probe(Hook):
        priority = "LOWEST"

        def after_val_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            etas.append((runner.message_hub.get_info("eta"), runner.message_hub.get_scalar(
                "val/time").data[0][-(batch_idx + 1):].tolist()))  # fmt: skip

    class SlowFirstValidation(Hook):
        priority = "HIGHEST"

        def after_val_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            if len(etas) < 4:
                time.sleep(0.02)

    runner.hooks.register(IterTimerHook())
    runner.hooks.register(SlowFirstValidation())
    runner.hooks.register(Probe())
    runner.train(metrics=[{}, {}, {}])  # three epochs, each validated (4 batches)
    second = etas[4:8]
    for done, (eta, this_epoch) in enumerate(second, start=1):
        assert eta == pytest.approx(sum(this_epoch) / done * (4 - done))
    assert second[0][0] < 3 * 0.02  # the slow first validation is not in it


def test_sampler_seed_hook_sets_the_epoch_so_each_epoch_shuffles_anew(runner):
    dataset = runner.train_dataloader.dataset
    sampler = DefaultSampler(dataset, shuffle=True, seed=3)
    loader = DataLoader(dataset, batch_size=2, sampler=sampler)
    runner.train_loop.dataloader = runner.train_dataloader = loader
    orders = []

    class Record(Hook):
        def before_train_epoch(self, runner):
            orders.append(list(iter(sampler)))

    runner.hooks.register(DistSamplerSeedHook())
    runner.hooks.register(Record(), priority="LOW")
    runner.train()
    assert sampler.epoch == 2
    assert len({tuple(o) for o in orders}) == 3  # three different permutations
    sampler.set_epoch(1)
    assert list(iter(sampler)) == orders[1]


def test_sampler_seed_hook_reaches_a_batch_samplers_sampler(runner):
    from torch.utils.data import BatchSampler

    sampler = DefaultSampler(runner.train_dataloader.dataset, shuffle=True, seed=3)
    loader = DataLoader(
        runner.train_dataloader.dataset, batch_sampler=BatchSampler(sampler, 2, False)
    )
    runner.train_loop.dataloader = runner.train_dataloader = loader
    runner.epoch = 5
    DistSamplerSeedHook().before_train_epoch(runner)
    assert sampler.epoch == 5


def test_pending_times_are_folded_in_when_nothing_reads_the_hub(runner):
    from treadle.logging.message_hub import PENDING_LIMIT

    hook = IterTimerHook()
    hook.before_train(runner)
    hub = runner.message_hub
    for _ in range(PENDING_LIMIT + 1):  # a run without a logger: no reader folds them
        hook.before_train_iter(runner, 0)
        hook.after_train_iter(runner, 0)
    assert not hub.pending_scalars  # folded in by the hook itself
    assert len(hub.get_scalar("train/time").data[0]) == PENDING_LIMIT + 1
    hook.after_train_iter(runner, 0)
    assert len(hub.pending_scalars["train/time"]) == 1  # and pending again afterwards
