import json
import os
import subprocess
import sys
from pathlib import Path

from support.servers import free_port

from treadle.hooks import EmptyCacheHook, SyncBuffersHook

WORKER = Path(__file__).with_name("sync_buffers_worker.py")


def test_sync_buffers_averages_float_buffers_across_two_gloo_ranks(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("RANK", "WORLD_SIZE", "MASTER_", "LOCAL_"))
    }
    env["OMP_NUM_THREADS"] = "1"
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
        "--master-addr", "127.0.0.1", "--master-port", str(free_port()),
        str(WORKER), str(tmp_path),
    ]  # fmt: skip
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    reports = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    for rank, report in enumerate(reports):
        assert report["distributed"] is True
        assert report["after_epoch"] == [2.0, 2.0] and report["var"] == [1.5, 1.5]
        assert report["tracked"] == rank + 10
        assert report["skipped"] == [rank * 8.0] * 2
        assert report["synced"] == [4.0, 4.0]


def test_sync_buffers_does_nothing_in_one_process(runner):
    hook = SyncBuffersHook()
    runner.hooks.register(hook)
    runner.train(metrics=[{}] * 3)
    assert hook.distributed is False and hook.called_in_train is False


def test_empty_cache_hook_is_dispatched_only_where_its_flags_ask(runner):
    assert EmptyCacheHook().get_triggered_stages() == [
        "after_train_epoch",
        "after_val_epoch",
        "after_test_epoch",
    ]
    hook = EmptyCacheHook(before_epoch=True, after_epoch=False, after_iter=True)
    assert hook.get_triggered_stages() == [
        "before_train_epoch",
        "after_train_iter",
        "before_val_epoch",
        "after_val_iter",
        "before_test_epoch",
        "after_test_iter",
    ]
    assert EmptyCacheHook(after_epoch=False).get_triggered_stages() == []
    runner.hooks.register(hook)
    runner.train(metrics=[{}] * 3)  # torch.cuda.empty_cache() is a no-op without CUDA
    assert runner.epoch == 3
