import hashlib
import io
import os

import pytest
import torch

from treadle.fileio import get_file_backend
from treadle.hooks import CheckpointHook, HookError, RuntimeInfoHook
from treadle.runner.checkpoint import find_latest_checkpoint


def _load(path):
    if "://" in path:
        return torch.load(io.BytesIO(get_file_backend(path).get(path)), weights_only=True)
    return torch.load(path, weights_only=True)


def _files(runner):
    return sorted(f for f in os.listdir(runner.work_dir) if f.endswith(".pth"))


def _train(runner, metrics=None, **hook_args):
    hook = CheckpointHook(**hook_args)
    runner.hooks.register(RuntimeInfoHook())
    runner.hooks.register(hook)
    runner.train(metrics=metrics)
    return hook


def test_every_epoch_keeping_the_newest_two_with_a_resume_marker(runner):
    _train(runner, interval=1, max_keep_ckpts=2)
    assert _files(runner) == ["epoch_2.pth", "epoch_3.pth"]
    newest = os.path.join(runner.work_dir, "epoch_3.pth")
    assert find_latest_checkpoint(runner.work_dir) == newest
    checkpoint = _load(newest)
    assert checkpoint["meta"] == {"epoch": 3, "iter": 12}
    assert {"state_dict", "optimizer", "message_hub"} <= set(checkpoint)
    assert torch.equal(checkpoint["state_dict"]["linear.weight"], runner.model.linear.weight)
    assert runner.message_hub.get_info("keep_ckpt_ids") == [2, 3]
    assert runner.message_hub.get_info("last_ckpt") == newest


@pytest.mark.parametrize(
    ("args", "files"),
    [
        (dict(interval=2), ["epoch_2.pth", "epoch_3.pth"]),  # 3 is the last epoch
        (dict(interval=2, save_last=False), ["epoch_2.pth"]),
        (dict(interval=2, save_begin=1, save_last=False), ["epoch_1.pth", "epoch_3.pth"]),
        (dict(), ["epoch_3.pth"]),  # interval=-1: only the last
        (
            dict(interval=1, filename_tmpl="ckpt_{:03d}.pth"),
            ["ckpt_001.pth", "ckpt_002.pth", "ckpt_003.pth"],
        ),
        (dict(interval=5, by_epoch=False), ["iter_10.pth", "iter_12.pth", "iter_5.pth"]),
    ],
)
def test_interval_save_last_save_begin_and_names(runner, args, files):
    _train(runner, **args)
    assert _files(runner) == files


def test_optimizer_and_scheduler_states_can_be_left_out(runner):
    from treadle.optim import MultiStepLR

    runner.param_schedulers = [MultiStepLR(runner.optim_wrapper, milestones=[1])]
    _train(runner, save_param_scheduler=True)
    assert "param_schedulers" in _load(os.path.join(runner.work_dir, "epoch_3.pth"))
    os.remove(os.path.join(runner.work_dir, "epoch_3.pth"))
    runner.epoch = runner.iter = 0
    runner.hooks = type(runner.hooks)()
    _train(runner, save_optimizer=False, save_param_scheduler=False)
    saved = _load(os.path.join(runner.work_dir, "epoch_3.pth"))
    assert "optimizer" not in saved and "param_schedulers" not in saved


def test_out_dir_on_another_fileio_backend(runner):
    out_dir = "memory://ckpt-hook-test/run"
    _train(runner, interval=1, max_keep_ckpts=1, out_dir=out_dir)
    backend = get_file_backend(out_dir)
    target = "memory://ckpt-hook-test/run/work_dir"  # + the last directory name of work_dir
    assert backend.isfile(f"{target}/epoch_3.pth")
    assert not backend.isfile(f"{target}/epoch_2.pth")  # removed by max_keep_ckpts
    assert _load(f"{target}/epoch_3.pth")["meta"]["epoch"] == 3
    assert find_latest_checkpoint(runner.work_dir) == f"{target}/epoch_3.pth"
    assert _files(runner) == []


def test_save_best_keeps_only_the_best_and_updates_the_hub(runner):
    hook = _train(
        runner, interval=1, save_best="acc", metrics=[{"acc": 0.5}, {"acc": 0.7}, {"acc": 0.6}]
    )
    best = os.path.join(runner.work_dir, "best_acc_epoch_2.pth")
    assert _files(runner) == ["best_acc_epoch_2.pth", "epoch_1.pth", "epoch_2.pth", "epoch_3.pth"]
    assert hook.best_ckpt_path == best
    hub = runner.message_hub
    assert hub.get_info("best_score") == 0.7 and hub.get_info("best_ckpt") == best
    saved = _load(best)
    assert "optimizer" not in saved and saved["meta"] == {"epoch": 2, "iter": 8}
    # epoch_2.pth was saved again after validation, so its hub knows the best score
    hub_state = _load(os.path.join(runner.work_dir, "epoch_2.pth"))["message_hub"]
    assert hub_state["runtime_info"]["best_score"] == 0.7


def test_several_best_keys_with_inferred_and_explicit_rules(runner):
    metrics = [
        {"acc/top1": 0.5, "loss": 1.0},
        {"acc/top1": 0.7, "loss": 0.8},
        {"acc/top1": 0.6, "loss": 0.6},
    ]
    _train(runner, save_best=["acc/top1", "loss"], metrics=metrics)
    assert "best_acc_top1_epoch_2.pth" in _files(runner)  # '/' replaced in the file name
    assert "best_loss_epoch_3.pth" in _files(runner)
    hub = runner.message_hub
    assert hub.get_info("best_score_acc/top1") == 0.7 and hub.get_info("best_score_loss") == 0.6


def test_explicit_rules_override_inference(runner):
    _train(
        runner,
        save_best=["acc", "loss"],
        rule=["less", "greater"],
        metrics=[
            {"acc": 0.5, "loss": 1.0},
            {"acc": 0.7, "loss": 0.8},
            {"acc": 0.6, "loss": 0.6},
        ],
    )
    assert [f for f in _files(runner) if f.startswith("best")] == [
        "best_acc_epoch_1.pth",
        "best_loss_epoch_1.pth",
    ]


def test_auto_picks_the_first_metric_and_greater_keys_extend_inference(runner):
    hook = _train(
        runner,
        save_best="auto",
        metrics=[
            {"mIoU": 0.2, "loss": 0.1},
            {"mIoU": 0.4, "loss": 0.1},
            {"mIoU": 0.3, "loss": 0.1},
        ],
    )
    assert hook.key_indicators == ["mIoU"] and hook.rules == ["greater"]
    assert "best_mIoU_epoch_2.pth" in _files(runner)
    assert CheckpointHook(save_best="f1_score", greater_keys=["f1"]).rules == ["greater"]
    with pytest.raises(ValueError, match="cannot infer whether a greater or a smaller 'f1_score'"):
        CheckpointHook(save_best="f1_score")


def test_empty_metrics_skip_the_best_and_missing_keys_are_named(runner):
    _train(runner, save_best="acc", metrics=[{}, {}, {}])
    assert not any(f.startswith("best") for f in _files(runner))
    runner.epoch = runner.iter = 0
    runner.hooks = type(runner.hooks)()
    with pytest.raises(HookError, match=r"save_best key 'acc' is not among the metrics \['top1'\]"):
        _train(runner, save_best="acc", metrics=[{"top1": 1.0}] * 3)


def test_publish_strips_keys_and_adds_the_sha256_prefix(runner):
    _train(runner, published_keys=["meta", "state_dict"])
    published = [f for f in _files(runner) if f.startswith("epoch_3-")]
    assert len(published) == 1
    path = os.path.join(runner.work_dir, published[0])
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:8]
    assert published[0] == f"epoch_3-{digest}.pth"
    assert set(_load(path)) == {"meta", "state_dict"}
    assert "optimizer" in _load(os.path.join(runner.work_dir, "epoch_3.pth"))


def test_publish_the_last_and_every_best_checkpoint(runner):
    metrics = [{"acc": a, "loss": v} for a, v in ((0.5, 3.0), (0.7, 2.0), (0.6, 1.0))]
    _train(runner, metrics, save_best=["acc", "loss"], published_keys=["state_dict"])
    published = [f for f in _files(runner) if "-" in f]
    stems = sorted(f.rsplit("-", 1)[0] for f in published)
    assert stems == ["best_acc_epoch_2", "best_loss_epoch_3", "epoch_3"]


def test_one_rule_for_several_keys_and_empty_key_lists(runner):
    hook = CheckpointHook(save_best=["acc", "mIoU"], rule=["greater"])
    assert hook.rules == ["greater", "greater"]
    hook = CheckpointHook(save_best="acc", less_keys=[])  # no less-is-better fragments
    assert hook.less_keys == [] and hook.rules == ["greater"]


def test_a_subclass_extends_the_default_keys_the_rule_is_inferred_from():
    from treadle.hooks import EarlyStoppingHook

    class ImageQualityCheckpoints(CheckpointHook):
        _default_greater_keys = (*CheckpointHook._default_greater_keys, "psnr")
        _default_less_keys = (*CheckpointHook._default_less_keys, "lpips")

    class ImageQualityStopping(EarlyStoppingHook):
        _default_greater_keys = ("psnr",)

    assert ImageQualityCheckpoints(save_best=["PSNR", "LPIPS"]).rules == ["greater", "less"]
    assert ImageQualityStopping(monitor="PSNR").rule == "greater"
    with pytest.raises(ValueError, match="cannot infer"):
        CheckpointHook(save_best="PSNR")


def test_resumed_keep_list_is_trimmed_to_max_keep_ckpts(runner):
    for step in (1, 2, 3):
        open(os.path.join(runner.work_dir, f"epoch_{step}.pth"), "wb").close()
    runner.message_hub.update_info("keep_ckpt_ids", [1, 2, 3])
    hook = CheckpointHook(interval=1, max_keep_ckpts=2)
    hook.before_train(runner)
    assert _files(runner) == ["epoch_2.pth", "epoch_3.pth"]
    assert list(hook.keep_ckpt_ids) == [2, 3]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(save_best=["auto", "acc"]), ValueError, "cannot be combined"),
        (
            dict(save_best=["acc", "loss"], rule=["greater", "less", "less"]),
            ValueError,
            "one per save_best key",
        ),
        (dict(save_best=["acc", "acc"]), ValueError, r"save_best names \['acc'\] more than once"),
        (dict(published_keys=["meta", "meta"]), ValueError, "published_keys names"),
        (dict(save_best="acc", rule="bigger"), ValueError, r"one of \['greater', 'less'\] or None"),
        (dict(rule="greater"), ValueError, "only used with save_best"),
        (dict(save_best=3), TypeError, "save_best must be a str"),
        (dict(published_keys=[]), TypeError, "published_keys"),
        (dict(interval=1.5), TypeError, "interval must be an int"),
        (dict(save_begin=-1), ValueError, "save_begin"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        CheckpointHook(**kwargs)


def test_validation_outside_training_saves_nothing(runner):
    runner.hooks.register(CheckpointHook(save_best="acc"))
    runner.validate({"acc": 0.9})
    assert not os.path.exists(runner.work_dir) or _files(runner) == []
    assert runner.message_hub.get_info("best_score") is None
