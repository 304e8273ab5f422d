"""LogProcessor log lines and tag dicts in MMEngine's formats.

The runner is a small plain-Python stand-in holding exactly the attributes
LogProcessor reads (``message_hub``, ``iter``, ``epoch``, ``max_epochs``,
``max_iters``, ``train_loop``/``val_loop``/``test_loop`` with dataloaders), filled
with real MessageHub data: treadle's Runner is built in the same issue, and its
end-to-end tests exercise the real thing.
"""

from __future__ import annotations

import uuid

import pytest

from treadle.logging import LogProcessor, MessageHub, log_processor
from treadle.registry import LOG_PROCESSORS


@pytest.fixture(autouse=True)
def _cpu_lines(monkeypatch):
    """The expected lines are a CPU run's (a CUDA machine adds a memory column)."""
    monkeypatch.setattr(log_processor, "_cuda_available", lambda: False)


class Loop:
    def __init__(self, length: int) -> None:
        self.dataloader = list(range(length))


class StandInRunner:
    def __init__(
        self, *, epoch=0, iter=0, max_epochs=2, max_iters=200, train=True, lengths=(100, 10, 5)
    ):
        self.message_hub = MessageHub.get_instance(f"lp-{uuid.uuid4().hex}")
        self.epoch, self.iter = epoch, iter
        self.max_epochs, self.max_iters = max_epochs, max_iters
        self.train_loop = Loop(lengths[0]) if train else None
        self.val_loop, self.test_loop = Loop(lengths[1]), Loop(lengths[2])


def _train_runner(**kwargs) -> StandInRunner:
    """20 training iterations: loss i+1 at iteration i, constant lr/time/data_time."""
    runner = StandInRunner(iter=19, **kwargs)
    hub = runner.message_hub
    for i in range(20):
        hub.update_scalar("train/lr", 0.01)
        hub.update_scalar("train/data_time", 0.001)
        hub.update_scalar("train/loss", float(i + 1))
        hub.update_scalar("train/time", 0.01)
    hub.update_info("eta", 9.7)
    return runner


def _val_runner(**kwargs) -> StandInRunner:
    runner = StandInRunner(epoch=1, **kwargs)
    hub = runner.message_hub
    for _ in range(10):
        hub.update_scalar("val/data_time", 0.002)
        hub.update_scalar("val/time", 0.02)
    hub.update_scalar("val/accuracy", 90.0)
    return runner


def test_train_line_by_epoch():
    tag, line = LogProcessor().get_log_after_iter(_train_runner(), 9, "train")
    assert line == (
        "Epoch(train) [1][ 10/100]  lr: 1.0000e-02  eta: 0:00:09  time: 0.0100  "
        "data_time: 0.0010  loss: 15.5000"
    )  # loss: mean of the last 10 values 11..20
    assert tag == pytest.approx(
        dict(lr=0.01, data_time=0.001, loss=15.5, time=0.01, epoch=1, iter=20)
    )
    assert "memory" not in tag  # CPU only: no memory column


def test_epochs_align_to_max_epochs_and_iter_based_headers():
    _, line = LogProcessor().get_log_after_iter(_train_runner(max_epochs=12), 9, "train")
    assert line.startswith("Epoch(train)  [1][ 10/100]  lr:")
    tag, line = LogProcessor(by_epoch=False).get_log_after_iter(_train_runner(), 9, "train")
    assert line.startswith("Iter(train) [ 20/200]  lr: 1.0000e-02  eta: 0:00:09  time:")
    assert "epoch" not in tag and tag["iter"] == 20


def test_window_size_num_digits_and_hierarchy():
    processor = LogProcessor(window_size=4, num_digits=2, log_with_hierarchy=True)
    tag, line = processor.get_log_after_iter(_train_runner(), 19, "train")
    assert line.endswith("lr: 1.00e-02  eta: 0:00:09  time: 0.01  data_time: 0.00  loss: 18.50")
    assert set(tag) == {"train/lr", "train/data_time", "train/loss", "train/time", "epoch", "iter"}
    assert tag["train/loss"] == pytest.approx(18.5)


def test_custom_cfg_replaces_and_adds_statistics():
    processor = LogProcessor(
        custom_cfg=[
            dict(data_src="loss", method_name="mean", window_size="global"),
            dict(data_src="loss", log_name="loss_max", method_name="max", window_size="epoch"),
            dict(data_src="loss", log_name="loss_min", method_name="min", window_size=3),
        ]
    )
    tag, line = processor.get_log_after_iter(_train_runner(), 4, "train")
    assert tag["loss"] == pytest.approx(10.5)  # global: all 20 iterations (runner.iter + 1)
    assert tag["loss_max"] == 20  # epoch: the last batch_idx + 1 = 5 values
    assert tag["loss_min"] == 18
    assert line.endswith("loss: 10.5000  loss_max: 20.0000  loss_min: 18.0000")


def test_val_and_test_summaries():
    runner = _val_runner()
    tag, line = LogProcessor().get_log_after_epoch(runner, 10, "val")
    assert line == "Epoch(val) [1][10/10]    accuracy: 90.0000  data_time: 0.0020  time: 0.0200"
    assert list(tag) == ["accuracy", "data_time", "time"]

    runner.message_hub.update_scalar("test/accuracy", 80.0)
    runner.message_hub.update_scalar("test/time", 0.03)
    runner.message_hub.update_scalar("test/data_time", 0.003)
    _, line = LogProcessor().get_log_after_epoch(runner, 5, "test")
    assert line == "Epoch(test) [5/5]    accuracy: 80.0000  time: 0.0300  data_time: 0.0030"
    _, line = LogProcessor(by_epoch=False).get_log_after_epoch(runner, 5, "test")
    assert line.startswith("Iter(test) [5/5]    accuracy: 80.0000")


def test_non_scalar_results_are_printed_and_optionally_tagged():
    runner = _val_runner()
    runner.message_hub.update_info("val/per_class", [0.5, 0.7])
    tag, line = LogProcessor().get_log_after_epoch(runner, 10, "val")
    assert "accuracy: 90.0000  per_class: [0.5, 0.7]  data_time" in line
    assert "per_class" not in tag
    tag, _ = LogProcessor().get_log_after_epoch(runner, 10, "val", with_non_scalar=True)
    assert tag["per_class"] == [0.5, 0.7]


def test_val_iteration_lines():
    runner = _val_runner()
    _, line = LogProcessor().get_log_after_iter(runner, 4, "val")
    assert line == "Epoch(val) [1][ 5/10]    "  # val iteration lines carry only val/loss*
    _, line = LogProcessor().get_log_after_iter(runner, 2, "test")
    assert line == "Epoch(test) [3/5]    "


class UnbuiltTrainLoopRunner:
    """A runner whose train loop is still a config dict: reading ``train_loop`` would build it."""

    def __init__(self) -> None:
        self.message_hub = MessageHub.get_instance(f"lp-{uuid.uuid4().hex}")
        self.epoch, self.iter, self.max_epochs, self.max_iters = 0, 0, 3, 30
        self._train_loop = dict(type="EpochBasedTrainLoop", max_epochs=3)
        self.val_loop = Loop(10)

    @property
    def train_loop(self):
        raise AssertionError("LogProcessor built the train loop while logging validation")


def test_validation_without_training_does_not_build_the_train_loop():
    runner = UnbuiltTrainLoopRunner()
    runner.message_hub.update_scalar("val/accuracy", 0.5)
    tag, line = LogProcessor().get_log_after_iter(runner, 9, "val")
    assert line.startswith("Epoch(val)[0][10/10]") and tag["iter"] == 0 and tag["epoch"] == 0
    _, line = LogProcessor().get_log_after_epoch(runner, 10, "val")
    assert line == "Epoch(val) [0][10/10]    accuracy: 0.5000"


def test_built_from_the_registry():
    processor = LOG_PROCESSORS.build(dict(type="LogProcessor", window_size=50, by_epoch=False))
    assert isinstance(processor, LogProcessor)
    assert processor.window_size == 50 and processor.by_epoch is False


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(custom_cfg=[dict(method_name="mean")]), ValueError, r"custom_cfg\[0\].*'data_src'"),
        (dict(custom_cfg=[dict(data_src="loss")]), ValueError, "lacks 'method_name'"),
        (
            dict(
                custom_cfg=[
                    dict(data_src="loss", method_name="mean"),
                    dict(data_src="loss", method_name="max"),
                ]
            ),
            ValueError,
            r"custom_cfg\[1\]: log name 'loss' is already produced",
        ),
        (
            dict(
                by_epoch=False,
                custom_cfg=[dict(data_src="a", method_name="mean", window_size="epoch")],
            ),
            ValueError,
            "'epoch' needs by_epoch=True",
        ),
        (
            dict(custom_cfg=[dict(data_src="a", method_name="mean", window_size="month")]),
            ValueError,
            "got 'month'",
        ),
        (dict(custom_cfg=["loss"]), TypeError, r"custom_cfg\[0\] must be a dict"),
        (dict(window_size="epoch"), ValueError, "go in custom_cfg"),
    ],
)
def test_bad_configs_are_named(kwargs, error, message):
    with pytest.raises(error, match=message):
        LogProcessor(**kwargs)


def test_bad_mode_and_unknown_statistic():
    with pytest.raises(ValueError, match=r"mode must be one of \['val', 'test'\]"):
        LogProcessor().get_log_after_epoch(_val_runner(), 10, "train")
    processor = LogProcessor(custom_cfg=[dict(data_src="loss", method_name="median")])
    with pytest.raises(KeyError, match="'median'"):
        processor.get_log_after_iter(_train_runner(), 9, "train")
