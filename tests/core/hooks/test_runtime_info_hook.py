import numpy as np
import torch

from treadle.config import Config
from treadle.hooks import RuntimeInfoHook
from treadle.optim import MultiStepLR


def test_records_loop_state_lr_losses_and_metrics(runner):
    runner.cfg = Config(dict(model=dict(type="ToyModel"), seed=1234))
    runner.train_dataloader.dataset.metainfo = {"classes": ("a", "b")}
    runner.param_schedulers = [
        MultiStepLR(runner.optim_wrapper, milestones=[1], gamma=0.5, by_epoch=False)
    ]
    seen = []

    class Probe(RuntimeInfoHook.__mro__[1]):  # a plain Hook after RuntimeInfoHook
        priority = "LOW"

        def before_train_iter(self, runner, batch_idx, data_batch=None):
            hub = runner.message_hub
            seen.append((hub.get_info("iter"), hub.get_info("loop_stage"), hub.get_info("epoch")))

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            runner.param_schedulers[0].step()

        def before_val_iter(self, runner, batch_idx, data_batch=None):
            seen.append(("val", runner.message_hub.get_info("loop_stage")))

    runner.hooks.register(RuntimeInfoHook())
    runner.hooks.register(Probe())
    runner.train_loop.max_epochs = 2
    runner.train_loop.max_iters = 8
    runner.train(metrics=[{"acc": 0.5, "cm": [[1, 0], [0, 1]]}, {"acc": 0.75, "cm": [[2]]}])
    hub = runner.message_hub

    assert hub.get_info("cfg") == runner.cfg.pretty_text and "ToyModel" in hub.get_info("cfg")
    assert hub.get_info("seed") == 1234
    assert hub.get_info("experiment_name") == runner.experiment_name
    assert hub.get_info("max_epochs") == 2 and hub.get_info("max_iters") == 8
    assert hub.get_info("dataset_meta") == {"classes": ("a", "b")}
    # iterations 0..7 in epochs 0, 1, always in the 'train' stage
    train_seen = [s for s in seen if s[0] != "val"]
    assert train_seen == [(i, "train", i // 4) for i in range(8)]
    assert ("val", "val") in seen
    # lr before every iteration: 0.1 for the first, then halved by the milestone
    assert list(hub.get_scalar("train/lr").data[0]) == [0.1] + [0.05] * 7
    losses = hub.get_scalar("train/loss").data[0]
    assert len(losses) == 8 and all(np.isfinite(losses))
    assert list(hub.get_scalar("val/acc").data[0]) == [0.5, 0.75]
    assert hub.get_info("val/cm") == [[2]]  # non-scalar metrics are infos
    assert "loop_stage" not in hub.runtime_info  # popped after training


def test_standalone_val_and_test_stages_are_popped(runner):
    hook = RuntimeInfoHook()
    runner.hooks.register(hook)
    runner.validate({"acc": torch.tensor(0.25)}, mode="val")
    runner.validate({"err": np.float64(0.5), "per_class": np.array([1.0, 2.0])}, mode="test")
    hub = runner.message_hub
    assert "loop_stage" not in hub.runtime_info
    assert hub.get_scalar("val/acc").current() == 0.25
    assert hub.get_scalar("test/err").current() == 0.5
    assert list(hub.get_info("test/per_class")) == [1.0, 2.0]
