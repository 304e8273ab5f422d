"""``RunnerTestCase``: a ``unittest.TestCase`` with a toy job for testing hooks, loops and
other runner parts (MMEngine's), cleaning up the runner's global state after each test."""

from __future__ import annotations

import copy
import logging
import os
import shutil
import socket
import tempfile
import time
import uuid
from typing import Any, ClassVar
from unittest import TestCase

import torch
from torch import nn
from torch.utils.data import Dataset

from treadle.config import Config
from treadle.evaluator import BaseMetric
from treadle.model import BaseModel


class ToyModel(BaseModel):
    """Two linear layers on 2-d inputs; the loss is the summed difference to the labels."""

    def __init__(self, data_preprocessor: Any = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor)
        self.linear1 = nn.Linear(2, 2)
        self.linear2 = nn.Linear(2, 1)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        if isinstance(inputs, list):
            inputs = torch.stack(inputs)
        if isinstance(data_samples, list):
            data_samples = torch.stack(data_samples)
        outputs = self.linear2(self.linear1(inputs))
        if mode == "loss":
            return dict(loss=(data_samples - outputs).sum())
        return outputs


class ToyDataset(Dataset):
    """12 random 2-d inputs, each labelled 1."""

    METAINFO: ClassVar[dict] = dict()
    data = torch.randn(12, 2)
    label = torch.ones(12)

    @property
    def metainfo(self) -> dict:
        return self.METAINFO

    def __len__(self) -> int:
        return self.data.size(0)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.data[index], data_samples=self.label[index])


class ToyMetric(BaseMetric):
    """Always ``acc=1``."""

    def __init__(self, collect_device: str = "cpu", dummy_metrics: Any = None) -> None:
        super().__init__(collect_device=collect_device)
        self.dummy_metrics = dummy_metrics

    def process(self, data_batch: Any, predictions: Any) -> None:
        self.results.append(dict(acc=1))

    def compute_metrics(self, results: list) -> dict:
        return dict(acc=1)


def _loader(sampler: str, shuffle: bool) -> dict:
    return dict(
        dataset=dict(type="ToyDataset"),
        sampler=dict(type=sampler, shuffle=shuffle),
        batch_size=3,
        num_workers=0,
    )


class RunnerTestCase(TestCase):
    """Registers ``ToyModel``, ``ToyDataset`` and ``ToyMetric``, offers an epoch-based and
    an iteration-based config of a small job (``self.epoch_based_cfg``,
    ``self.iter_based_cfg``) with a temporary ``work_dir``, builds runners with a unique
    experiment name (:meth:`build_runner`), and clears the loggers, message hubs,
    visualizers, default scopes and registrations after each test."""

    dist_cfg: ClassVar[dict[str, str]] = dict(
        MASTER_ADDR="127.0.0.1", RANK="0", WORLD_SIZE="1", LOCAL_RANK="0"
    )

    def setUp(self) -> None:
        from treadle.registry import DATASETS, METRICS, MODELS

        self.temp_dir = tempfile.TemporaryDirectory()
        MODELS.register_module(module=ToyModel, force=True)
        METRICS.register_module(module=ToyMetric, force=True)
        DATASETS.register_module(module=ToyDataset, force=True)
        self.epoch_based_cfg = Config(
            dict(
                work_dir=self.temp_dir.name,
                model=dict(type="ToyModel"),
                train_dataloader=_loader("DefaultSampler", True),
                val_dataloader=_loader("DefaultSampler", False),
                val_evaluator=[dict(type="ToyMetric")],
                test_dataloader=_loader("DefaultSampler", False),
                test_evaluator=[dict(type="ToyMetric")],
                optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
                train_cfg=dict(by_epoch=True, max_epochs=2, val_interval=1),
                val_cfg=dict(),
                test_cfg=dict(),
                default_hooks=dict(logger=dict(type="LoggerHook", interval=1)),
                custom_hooks=[],
                env_cfg=dict(dist_cfg=dict()),  # the backend suits the device: nccl or gloo
                experiment_name="test1",
            )
        )
        self.iter_based_cfg: Config = copy.deepcopy(self.epoch_based_cfg)
        self.iter_based_cfg.train_dataloader = _loader("InfiniteSampler", True)
        self.iter_based_cfg.log_processor = dict(by_epoch=False)
        self.iter_based_cfg.train_cfg = dict(by_epoch=False, max_iters=12)
        self.iter_based_cfg.default_hooks = dict(
            logger=dict(type="LoggerHook", interval=1),
            checkpoint=dict(type="CheckpointHook", interval=12, by_epoch=False),
        )

    def tearDown(self) -> None:
        import torch.distributed as dist

        from treadle.logging import MessageHub, MMLogger
        from treadle.registry import DATASETS, METRICS, MODELS, DefaultScope
        from treadle.visualization import Visualizer

        logging.shutdown()
        for manager in (MMLogger, Visualizer, DefaultScope, MessageHub):
            manager._instance_dict.clear()
        MODELS.module_dict.pop("ToyModel", None)
        METRICS.module_dict.pop("ToyMetric", None)
        DATASETS.module_dict.pop("ToyDataset", None)
        self.temp_dir.cleanup()
        if dist.is_available() and dist.is_initialized():
            dist.destroy_process_group()

    def build_runner(self, cfg: Config) -> Any:
        """A runner from ``cfg``, under an experiment name no other test uses."""
        from treadle.runner import Runner

        cfg.experiment_name = self.experiment_name
        return Runner.from_cfg(cfg)

    @property
    def experiment_name(self) -> str:
        return f"{self._testMethodName}_{time.time()}_{uuid.uuid4()}"

    def setup_dist_env(self) -> None:
        """The variables of a one-process torchrun job, on a free loopback port; the test
        ends with the environment as it was (MMEngine's leaves them set)."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        variables = dict(self.dist_cfg, MASTER_PORT=str(port))
        previous = {name: os.environ.get(name) for name in variables}
        os.environ.update(variables)
        self.addCleanup(_restore_environ, previous)

    def clear_work_dir(self) -> None:
        """Empty ``work_dir`` (between two runners of one test)."""
        logging.shutdown()
        for name in os.listdir(self.temp_dir.name):
            path = os.path.join(self.temp_dir.name, name)
            if os.path.isdir(path):
                shutil.rmtree(path)
            else:
                os.remove(path)


def _restore_environ(previous: dict[str, str | None]) -> None:
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
