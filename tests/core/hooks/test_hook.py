import subprocess
import sys
from types import SimpleNamespace

from treadle.hooks import Hook

POINTS = {
    "before_run": (),
    "after_run": (),
    "before_train": (),
    "after_train": (),
    "before_val": (),
    "after_val": (),
    "before_test": (),
    "after_test": (),
    "before_train_epoch": (),
    "after_train_epoch": (),
    "before_val_epoch": (),
    "after_val_epoch": ({"metrics": {}},),
    "before_test_epoch": (),
    "after_test_epoch": ({"metrics": {}},),
    "before_train_iter": ({"batch_idx": 0, "data_batch": None},),
    "after_train_iter": ({"batch_idx": 0, "data_batch": None, "outputs": None},),
    "before_val_iter": ({"batch_idx": 0},),
    "after_val_iter": ({"batch_idx": 0, "outputs": None},),
    "before_test_iter": ({"batch_idx": 0},),
    "after_test_iter": ({"batch_idx": 0, "outputs": None},),
    "before_save_checkpoint": ({"checkpoint": {}},),
    "after_load_checkpoint": ({"checkpoint": {}},),
}


def test_the_22_points_exist_and_accept_mmengine_arguments():
    assert set(Hook.stages) == set(POINTS) and len(Hook.stages) == 22
    hook = Hook()
    for point, args in POINTS.items():
        kwargs = args[0] if args else {}
        assert getattr(hook, point)(None, **kwargs) is None
    assert hook.priority == "NORMAL"
    assert hook.get_triggered_stages() == []


def test_triggered_stages_follow_overrides_and_mode_helpers():
    class Direct(Hook):
        def after_val_epoch(self, runner, metrics=None): ...

        def before_run(self, runner): ...

    class ByHelper(Hook):
        def _after_iter(self, runner, batch_idx, data_batch=None, outputs=None, mode="train"):
            self.seen.append((mode, batch_idx))

    assert Direct().get_triggered_stages() == ["before_run", "after_val_epoch"]
    assert ByHelper().get_triggered_stages() == [
        "after_train_iter",
        "after_val_iter",
        "after_test_iter",
    ]
    hook = ByHelper()
    hook.seen = []
    hook.after_train_iter(None, 3)
    hook.after_test_iter(None, 1)
    assert hook.seen == [("train", 3), ("test", 1)]


def test_every_n_helpers():
    hook = Hook()
    runner = SimpleNamespace(epoch=3, iter=9, max_epochs=4, max_iters=10)
    assert hook.every_n_epochs(runner, 2)  # epoch 4 done
    assert not hook.every_n_epochs(runner, 3)
    assert hook.every_n_epochs(runner, 3, start=1)  # 4 - 1 = 3
    assert not hook.every_n_epochs(runner, 2, start=5)  # before start
    assert not hook.every_n_epochs(runner, 0) and not hook.every_n_epochs(runner, -1)
    assert hook.every_n_train_iters(runner, 5) and not hook.every_n_train_iters(runner, 3)
    assert hook.every_n_train_iters(runner, 4, start=2)
    assert hook.every_n_inner_iters(4, 5) and not hook.every_n_inner_iters(4, 2)
    assert hook.every_n_inner_iters(4, 2, start=1)
    assert hook.end_of_epoch([0, 1, 2], 2) and not hook.end_of_epoch([0, 1, 2], 1)
    assert hook.is_last_train_epoch(runner) and hook.is_last_train_iter(runner)
    runner.epoch, runner.iter = 2, 8
    assert not hook.is_last_train_epoch(runner) and not hook.is_last_train_iter(runner)


def test_subclassing_hook_does_not_import_torch():
    code = (
        "import sys\n"
        "from treadle.hooks import Hook, HookDispatcher\n"
        "class H(Hook):\n"
        "    def before_run(self, runner): print('ran')\n"
        "HookDispatcher([H()]).call('before_run', None)\n"
        "print('torch' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["ran", "False"]
