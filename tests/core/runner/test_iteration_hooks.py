"""The train loop's per-iteration hook calls (straight from the dispatcher's table): hooks
registered mid-run, Runner subclasses overriding call_hook, errors, the hub's values, the
checkpoint hook's points, and non-finite losses in models driving an OptimWrapperDict."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any, ClassVar

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset

from treadle.hooks import CheckpointHook, Hook, HookDispatcher, HookError
from treadle.model import BaseModel
from treadle.optim import OptimWrapper, OptimWrapperDict
from treadle.runner import NonFiniteLossError, Runner

ITERS = 8  # 2 epochs of 4 batches

TRAIN_POINTS = (
    "before_train",
    "before_train_epoch",
    "before_train_iter",
    "after_train_iter",
    "after_train_epoch",
    "after_train",
)


class Pairs(Dataset):
    """8 samples ``dict(inputs, target)`` of a fixed linear problem."""

    metainfo: ClassVar[dict] = dict(name="pairs")

    def __init__(self, size: int = 8) -> None:
        generator = torch.Generator().manual_seed(0)
        self.x = torch.randn(size, 4, generator=generator)
        self.y = self.x.sum(dim=1, keepdim=True)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.x[index], target=self.y[index])


class Regressor(BaseModel):
    """A linear model that remembers each training loss it returned."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.linear = nn.Linear(4, 1)
        self.losses: list[float] = []

    def forward(self, inputs, target=None, mode: str = "tensor"):
        pred = self.linear(inputs)
        if mode == "loss":
            loss = F.mse_loss(pred, target)
            self.losses.append(loss.item())
            return dict(loss=loss)
        return pred


def _runner(tmp_path: Path, cls: type = Runner, model: nn.Module | None = None, **over) -> Any:
    kwargs = dict(
        model=model if model is not None else Regressor(),
        work_dir=str(tmp_path / "work"),
        train_dataloader=DataLoader(Pairs(), batch_size=2, shuffle=False),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        log_level="WARNING",
        experiment_name=f"iterhooks-{uuid.uuid4().hex[:12]}",
    )
    kwargs.update(over)
    return cls(**kwargs)


def _points_listing(info: str, hook_name: str) -> set[str]:
    """The points under which ``get_hooks_info()`` lists ``hook_name``."""
    points, point = set(), None
    for line in info.splitlines():
        if line.endswith(":") and not line.startswith("("):
            point = line[:-1]
        elif line.startswith("(") and line.split(")")[-1].strip() == hook_name:
            points.add(point)
    return points


# --------------------------------------------------------------- registration mid-run
class Late(Hook):
    def __init__(self) -> None:
        self.before: list[int] = []
        self.after: list[int] = []

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        self.before.append(runner.iter)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self.after.append(runner.iter)


@pytest.mark.parametrize("priority", ["HIGHEST", "NORMAL", "LOWEST"])
def test_hook_registered_from_another_hook_runs_from_the_next_iteration(tmp_path, priority):
    late = Late()

    class Registrar(Hook):
        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
            if runner.iter == 2:  # the third iteration
                runner.register_hook(late, priority=priority)

    runner = _runner(tmp_path, custom_hooks=[Registrar()])
    runner.train()
    assert late.before == list(range(3, ITERS))
    assert late.after == list(range(3, ITERS))
    assert late in runner.hooks


# ------------------------------------------------------------ call_hook in a subclass
class RecordingRunner(Runner):
    def __init__(self, *args, **kwargs) -> None:
        self.points: list[str] = []
        super().__init__(*args, **kwargs)

    def call_hook(self, fn_name: str, **kwargs) -> None:
        self.points.append(fn_name)
        super().call_hook(fn_name, **kwargs)


def test_subclass_call_hook_sees_every_iteration_point(tmp_path):
    runner = _runner(tmp_path, cls=RecordingRunner)
    runner.train()
    epoch = ["before_train_epoch", *["before_train_iter", "after_train_iter"] * 4]
    epoch.append("after_train_epoch")
    seen = [p for p in runner.points if p in TRAIN_POINTS]
    assert seen == ["before_train", *epoch, *epoch, "after_train"]
    assert runner.iter == ITERS
    # the hooks still ran through it: the hub has one loss per iteration
    assert len(runner.message_hub.get_scalar("train/loss").data[0]) == ITERS


@pytest.mark.parametrize("when", ["before the loop is built", "after the loop is built"])
def test_call_hook_replaced_on_the_runner_sees_every_iteration_point(tmp_path, when):
    runner = _runner(tmp_path)
    points: list[str] = []
    original = runner.call_hook

    def recording(fn_name: str, **kwargs) -> None:
        points.append(fn_name)
        original(fn_name, **kwargs)

    if when == "after the loop is built":
        assert runner.train_loop is not None
    runner.call_hook = recording
    runner.train()
    assert points.count("before_train_iter") == points.count("after_train_iter") == ITERS
    assert len(runner.message_hub.get_scalar("train/loss").data[0]) == ITERS
    # removing the replacement brings the loop back to the dispatcher's table
    del runner.call_hook
    assert runner.train_loop._hooks is runner._iteration_hooks() is not None


def test_subclass_call_hook_gets_hook_errors_logged(tmp_path):
    class Broken(Hook):
        def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
            if runner.iter == 5:
                raise RuntimeError("exploded")

    runner = _runner(tmp_path, cls=RecordingRunner, custom_hooks=[Broken()])
    with pytest.raises(HookError, match=r"hook Broken .*before_train_iter.*exploded"):
        runner.train()
    assert runner.points.count("before_train_iter") == 6
    log = Path(runner.logger.log_file).read_text()
    assert len(re.findall(r"ERROR - .*hook Broken .*before_train_iter", log)) == 1


# ------------------------------------------------------------------------- errors
@pytest.mark.parametrize("point", ["before_train_iter", "after_train_iter"])
def test_hook_raising_in_an_iteration_point_is_named_and_logged(tmp_path, point):
    def fail(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter == 2:
            raise KeyError("no such key")

    broken = type("BrokenIter", (Hook,), {point: fail})()
    runner = _runner(tmp_path, custom_hooks=[broken])
    with pytest.raises(HookError) as info:
        runner.train()
    error = info.value
    assert error.hook is broken and error.point == point
    assert isinstance(error.__cause__, KeyError)
    assert re.search(
        rf"hook BrokenIter \(priority NORMAL\) raised in {point}: KeyError", str(error)
    )
    assert runner.iter == 2  # stopped in the third iteration
    log = Path(runner.logger.log_file).read_text()
    lines = [line for line in log.splitlines() if "hook BrokenIter" in line]
    assert len(lines) == 1, log
    assert " - ERROR - " in lines[0] and point in lines[0] and "no such key" in lines[0]


# ----------------------------------------------------------------- dispatcher table
def test_dispatcher_table_is_updated_in_place():
    dispatcher = HookDispatcher()
    table = dispatcher.table
    assert table["after_train_iter"] == ()
    late = Late()
    dispatcher.register(late)
    assert dispatcher.table is table
    assert [hook for hook, _ in table["after_train_iter"]] == [late]
    assert [method for _, method in table["before_train_iter"]] == [late.before_train_iter]
    first = CheckpointHook(interval=1, by_epoch=False)
    dispatcher.register(first, priority="HIGHEST")
    assert dispatcher.table is table
    assert [hook for hook, _ in table["after_train_iter"]] == [first, late]


# ----------------------------------------------------------- what hooks see of the hub
def test_iter_seen_from_hooks_matches_the_loop(tmp_path):
    seen: list[tuple] = []

    class Look(Hook):
        def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
            hub = runner.message_hub
            seen.append(("before", runner.iter, hub.get_info("iter"), runner.train_loop.iter))

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
            hub = runner.message_hub
            seen.append(("after", runner.iter, hub.get_info("iter"), runner.train_loop.iter))

    runner = _runner(tmp_path, custom_hooks=[Look()])
    runner.train()
    expected = [(kind, i, i, i) for i in range(ITERS) for kind in ("before", "after")]
    assert seen == expected


def test_default_hooks_fill_the_hub_once_per_iteration(tmp_path):
    model = Regressor()
    runner = _runner(tmp_path, model=model)
    runner.train()
    hub = runner.message_hub
    for key in ("train/loss", "train/lr", "train/time", "train/data_time"):
        logs, counts = hub.get_scalar(key).data
        assert len(logs) == ITERS and counts.tolist() == [1] * ITERS, key
    torch.testing.assert_close(
        hub.get_scalar("train/loss").data[0].tolist(), model.losses, check_dtype=False
    )
    assert hub.get_scalar("train/lr").data[0].tolist() == [0.01] * ITERS
    assert all(t >= 0 for t in hub.get_scalar("train/time").data[0].tolist())
    assert isinstance(hub.get_info("eta"), float)
    assert hub.get_info("iter") == ITERS - 1
    assert not hub.pending_scalars and not hub.pending_infos
    # the checkpoints' hub holds the values logged until then
    first = torch.load(tmp_path / "work" / "epoch_1.pth", weights_only=True)
    losses = first["message_hub"]["log_scalars"]["train/loss"]["log_history"].tolist()
    assert losses == pytest.approx(model.losses[:4])
    assert first["message_hub"]["runtime_info"]["iter"] == 3


# -------------------------------------------------------------------- CheckpointHook
def test_checkpoint_hook_by_epoch_is_not_called_per_iteration(tmp_path):
    runner = _runner(tmp_path)
    points = _points_listing(runner.get_hooks_info(), "CheckpointHook")
    assert "after_train_epoch" in points
    assert "after_train_iter" not in points
    assert "after_train_iter" in _points_listing(runner.get_hooks_info(), "LoggerHook")
    runner.train()
    saved = sorted(p.name for p in (tmp_path / "work").glob("*.pth"))
    assert saved == ["epoch_1.pth", "epoch_2.pth"]


def test_checkpoint_hook_by_iteration_is_called_per_iteration(tmp_path):
    checkpoint = dict(type="CheckpointHook", interval=2, by_epoch=False)
    runner = _runner(tmp_path, default_hooks=dict(checkpoint=checkpoint))
    assert "after_train_iter" in _points_listing(runner.get_hooks_info(), "CheckpointHook")
    runner.train()
    work = tmp_path / "work"
    assert (work / "iter_2.pth").is_file()
    saved = sorted(p.name for p in work.glob("*.pth"))
    assert saved == ["iter_2.pth", "iter_4.pth", "iter_6.pth", "iter_8.pth"]
    state = torch.load(work / "iter_2.pth", weights_only=True)
    assert state["meta"]["iter"] == 2


# ------------------------------------------------- models driving an OptimWrapperDict
class TwoPart(BaseModel):
    """A GAN-shaped model: train_step updates 'gen' and 'disc' through their own wrappers;
    the generator's loss of training step ``nan_at`` (1-based) is NaN."""

    def __init__(self, nan_at: int) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.gen = nn.Linear(4, 4)
        self.disc = nn.Linear(4, 1)
        self.nan_at = nan_at
        self.steps = 0

    def forward(self, inputs, target=None, mode: str = "tensor"):
        return self.disc(self.gen(inputs))

    def train_step(self, data, optim_wrapper):
        self.steps += 1
        data = self.data_preprocessor(data, True)
        gen_loss = self.disc(self.gen(data["inputs"])).pow(2).mean()
        if self.steps == self.nan_at:
            gen_loss = gen_loss * float("nan")
        optim_wrapper["gen"].update_params(gen_loss)
        optim_wrapper["disc"].zero_grad()
        disc_loss = F.mse_loss(self.disc(data["inputs"]), data["target"])
        optim_wrapper["disc"].update_params(disc_loss)
        return dict(loss_gen=gen_loss.detach(), loss_disc=disc_loss.detach())


def _gan_runner(tmp_path: Path, nan_at: int, **over) -> Any:
    model = TwoPart(nan_at)
    wrappers = OptimWrapperDict(
        gen=OptimWrapper(torch.optim.SGD(model.gen.parameters(), lr=0.01)),
        disc=OptimWrapper(torch.optim.SGD(model.disc.parameters(), lr=0.01)),
    )
    return _runner(tmp_path, model=model, optim_wrapper=wrappers, **over)


def test_nan_in_a_wrapper_dict_model_raises_naming_the_iteration(tmp_path):
    runner = _gan_runner(tmp_path, nan_at=6)
    with pytest.raises(NonFiniteLossError, match=r"iteration 6 \(epoch 2\).*nonfinite_loss='skip'"):
        runner.train()
    model = runner.model
    assert model.steps == 6
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert all(w.nonfinite_loss_handler is None for w in runner.optim_wrapper.values())


def test_nan_in_a_wrapper_dict_model_is_skipped_with_a_warning(tmp_path):
    train_cfg = dict(by_epoch=True, max_epochs=2, nonfinite_loss="skip")
    runner = _gan_runner(tmp_path, nan_at=3, train_cfg=train_cfg)
    runner.train()
    model = runner.model
    assert runner.iter == ITERS and model.steps == ITERS
    assert all(torch.isfinite(p).all() for p in model.parameters())
    log = Path(runner.logger.log_file).read_text()
    warnings = [line for line in log.splitlines() if "non-finite loss" in line]
    assert len(warnings) == 1, log
    assert " - WARNING - " in warnings[0]
    assert "non-finite loss nan at iteration 3 (epoch 1); skipping this step" in warnings[0]
    assert all(w.nonfinite_loss_handler is None for w in runner.optim_wrapper.values())


def test_a_checkpoint_hook_subclass_acting_per_iteration_is_called_there():
    class EveryIterNote(CheckpointHook):
        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
            self.seen = getattr(self, "seen", 0) + 1

    hook = EveryIterNote(interval=1)  # by_epoch=True, but its own after_train_iter
    entries = HookDispatcher([hook]).table["after_train_iter"]
    assert [h for h, _ in entries] == [hook]
