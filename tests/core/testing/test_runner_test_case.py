"""RunnerTestCase, as a plugin's test suite uses it to test a hook on the toy job."""

from __future__ import annotations

import os
from unittest import mock

from treadle.hooks import Hook
from treadle.registry import HOOKS, MODELS
from treadle.testing import RunnerTestCase


@HOOKS.register_module(force=True)
class CountingHook(Hook):
    """A plugin's hook under test: counts the iterations and epochs it saw."""

    def __init__(self) -> None:
        self.iters = 0
        self.epochs = 0

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self.iters += 1

    def after_train_epoch(self, runner) -> None:
        self.epochs += 1


class TestCountingHook(RunnerTestCase):
    def test_epoch_based_job(self) -> None:
        cfg = self.epoch_based_cfg
        cfg.custom_hooks = [dict(type="CountingHook")]
        runner = self.build_runner(cfg)
        runner.train()
        hook = next(h for h in runner.hooks if isinstance(h, CountingHook))
        self.assertEqual((hook.iters, hook.epochs), (2 * 4, 2))  # 12 samples, batches of 3
        self.assertTrue(runner.experiment_name.startswith("test_epoch_based_job_"))
        self.assertIn("acc", runner.val())

    def test_iter_based_job_and_a_clean_work_dir(self) -> None:
        cfg = self.iter_based_cfg
        cfg.custom_hooks = [dict(type="CountingHook")]
        runner = self.build_runner(cfg)
        runner.train()
        self.assertTrue(os.path.isfile(os.path.join(self.temp_dir.name, "iter_12.pth")))
        self.clear_work_dir()
        self.assertEqual(os.listdir(self.temp_dir.name), [])

    def test_a_one_process_distributed_job(self) -> None:
        threads = dict(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")  # as a launcher would set
        with mock.patch.dict(os.environ, threads):
            self.setup_dist_env()
            cfg = self.epoch_based_cfg
            cfg.launcher = "pytorch"
            runner = self.build_runner(cfg)
            runner.train()
        self.assertTrue(runner.distributed)


def test_tear_down_forgets_what_set_up_registered() -> None:
    case = TestCountingHook("test_epoch_based_job")
    case.setUp()
    work_dir = case.temp_dir.name
    assert MODELS.get("ToyModel") is not None
    case.tearDown()
    assert "ToyModel" not in MODELS.module_dict
    assert not os.path.exists(work_dir)


def test_setup_dist_env_leaves_the_environment_as_it_was() -> None:
    case = TestCountingHook("test_a_one_process_distributed_job")
    case.setUp()
    before = dict(os.environ)
    case.setup_dist_env()
    assert os.environ["WORLD_SIZE"] == "1" and os.environ["MASTER_PORT"].isdigit()
    case.doCleanups()
    case.tearDown()
    assert dict(os.environ) == before
