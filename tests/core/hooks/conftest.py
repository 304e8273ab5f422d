"""A stand-in runner for hook tests: plain Python holding the attributes hooks read.

The Runner is built elsewhere; these tests check each hook against real parts
(MessageHub, MMLogger, LogProcessor, Visualizer with LocalVisBackend, OptimWrapper,
parameter schedulers, a torch model and DataLoader, checkpoint files) wired by a
small driver that calls the hook points in the order MMEngine's loops do.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from treadle.hooks import HookDispatcher
from treadle.logging import LogProcessor, MessageHub, MMLogger
from treadle.optim import OptimWrapper
from treadle.runner.checkpoint import get_state_dict, save_checkpoint, weights_to_cpu
from treadle.visualization import Visualizer


class ToyModel(nn.Module):
    """Linear regression with a BatchNorm (buffers for EMA/SyncBuffers)."""

    def __init__(self) -> None:
        super().__init__()
        self.norm = nn.BatchNorm1d(4)
        self.linear = nn.Linear(4, 1)

    def forward(self, inputs: torch.Tensor, targets: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"loss": nn.functional.mse_loss(self.linear(self.norm(inputs)), targets)}


class Loop:
    """What hooks read from ``runner.train_loop``/``val_loop``/``test_loop``."""

    def __init__(self, dataloader: DataLoader, max_epochs: int = 0, max_iters: int = 0) -> None:
        self.dataloader = dataloader
        self.max_epochs = max_epochs
        self.max_iters = max_iters
        self.stop_training = False


class StandInRunner:
    """The runner attributes hooks use (MMEngine's names), filled with real components."""

    def __init__(self, work_dir: str, max_epochs: int = 3, num_samples: int = 8) -> None:
        torch.manual_seed(0)
        name = uuid.uuid4().hex
        self.work_dir = work_dir
        self.timestamp = "20260101_000000"
        self.log_dir = os.path.join(work_dir, self.timestamp)
        os.makedirs(self.log_dir, exist_ok=True)
        self.experiment_name = f"exp_{name[:6]}"
        self.seed = 1234
        self.cfg = None
        self._resume = False
        self.model = ToyModel()
        self.optim_wrapper = OptimWrapper(torch.optim.SGD(self.model.parameters(), lr=0.1))
        self.param_schedulers: Any = None
        data = TensorDataset(torch.randn(num_samples, 4), torch.randn(num_samples, 1))
        loader = DataLoader(data, batch_size=2, shuffle=False)
        self.train_dataloader = self.val_dataloader = self.test_dataloader = loader
        self.train_loop = Loop(loader, max_epochs, max_epochs * len(loader))
        self._train_loop = self.train_loop
        self.val_loop = Loop(loader)
        self.test_loop = Loop(loader)
        self.epoch = 0
        self.iter = 0
        self.message_hub = MessageHub.get_instance(f"hub_{name}")
        self.logger = MMLogger.get_instance(
            f"log_{name}", log_file=os.path.join(self.log_dir, f"{self.timestamp}.log")
        )
        self.log_processor = LogProcessor(window_size=2)
        self.visualizer = Visualizer(
            name=f"vis_{name}", vis_backends=[dict(type="LocalVisBackend")], save_dir=self.log_dir
        )
        self.hooks = HookDispatcher()
        self.saved: list[str] = []

    @property
    def max_epochs(self) -> int:
        return self.train_loop.max_epochs

    @property
    def max_iters(self) -> int:
        return self.train_loop.max_iters

    def call_hook(self, fn_name: str, **kwargs: Any) -> None:
        self.hooks.call(fn_name, self, **kwargs)

    def save_checkpoint(
        self,
        out_dir: str,
        filename: str,
        file_client_args: dict | None = None,
        save_optimizer: bool = True,
        save_param_scheduler: bool = True,
        meta: dict | None = None,
        by_epoch: bool = True,
        backend_args: dict | None = None,
    ) -> None:
        """What the Runner's method does, reduced to the parts hooks observe."""
        checkpoint: dict[str, Any] = {
            "meta": dict(meta or {}),
            "state_dict": weights_to_cpu(get_state_dict(self.model)),
            "message_hub": self.message_hub.state_dict(),
        }
        if save_optimizer:
            checkpoint["optimizer"] = self.optim_wrapper.state_dict()
        if save_param_scheduler and self.param_schedulers:
            checkpoint["param_schedulers"] = [s.state_dict() for s in self.param_schedulers]
        self.call_hook("before_save_checkpoint", checkpoint=checkpoint)
        path = os.path.join(out_dir, filename) if "://" not in out_dir else f"{out_dir}/{filename}"
        save_checkpoint(checkpoint, path, backend_args=backend_args)
        self.saved.append(filename)

    def train(self, metrics: list[dict] | None = None) -> None:
        """Drive the hook points as MMEngine's EpochBasedTrainLoop + ValLoop do; validate after
        each epoch with ``metrics[epoch]`` (no validation when None)."""
        call = self.call_hook
        call("before_run")
        call("before_train")
        loop = self.train_loop
        while self.epoch < loop.max_epochs and not loop.stop_training:
            call("before_train_epoch")
            self.model.train()
            for idx, (inputs, targets) in enumerate(loop.dataloader):
                batch = dict(inputs=inputs, targets=targets)
                call("before_train_iter", batch_idx=idx, data_batch=batch)
                loss = self.model(inputs, targets)["loss"]
                self.optim_wrapper.update_params(loss)
                call("after_train_iter", batch_idx=idx, data_batch=batch, outputs={"loss": loss})
                self.iter += 1
            call("after_train_epoch")
            self.epoch += 1
            if metrics is not None:
                self.validate(metrics[self.epoch - 1])
        call("after_train")
        call("after_run")

    def validate(self, metrics: dict, mode: str = "val") -> None:
        """One val (or test) run through the hook points, reporting ``metrics``."""
        call = self.call_hook
        call(f"before_{mode}")
        call(f"before_{mode}_epoch")
        self.model.eval()
        with torch.no_grad():
            for idx, (inputs, targets) in enumerate(getattr(self, f"{mode}_dataloader")):
                batch = dict(inputs=inputs, targets=targets)
                call(f"before_{mode}_iter", batch_idx=idx, data_batch=batch)
                outputs = self.model(inputs, targets)
                call(f"after_{mode}_iter", batch_idx=idx, data_batch=batch, outputs=outputs)
        call(f"after_{mode}_epoch", metrics=metrics)
        call(f"after_{mode}")


@pytest.fixture
def runner(tmp_path) -> StandInRunner:
    return StandInRunner(str(tmp_path / "work_dir"))
