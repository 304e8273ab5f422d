"""The Runner on a CUDA machine: run by hand where a GPU is present (CI has none).

    python tests/gpu/check_runner_cuda.py

Checks, each with assertions (the script exits non-zero on the first failure):

1. ``AmpOptimWrapper`` with ``float16`` and ``bfloat16`` through ``Runner.train()``: the
   model sits on the GPU, convolutions run in the chosen dtype, a step whose fp16
   gradients overflow is skipped and halves the loss scale, the scaler's state is saved
   in the checkpoint and restored on resume; the ``fp16`` test loop runs in float16;
   ``EmptyCacheHook``, ``SyncBuffersHook`` and ``EMAHook`` run on CUDA tensors.
2. ``treadle train --amp`` and ``treadle test`` on the toy job, then ``--resume``.
3. ``torchrun --nproc-per-node 1 -m treadle train --launcher pytorch`` with NCCL.
4. The same with ``MMFullyShardedDataParallel``: whole-model checkpoints, then ``--resume``.
5. ``cfg.compile=True`` (inductor) trains the conv net; ``treadle.analysis`` counts the same
   flops for the model on the GPU as on the CPU.
6. ``sync_bn='torch'`` on one NCCL rank: the conv net trains with ``SyncBatchNorm``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

from treadle.evaluator import BaseMetric
from treadle.hooks import Hook
from treadle.model import BaseModel
from treadle.runner import Runner

TOY = Path(__file__).parents[1] / "fixtures" / "toy_runner"
BLOWN_ITER = 5  # the iteration whose loss is scaled up until fp16 gradients overflow


class Images(Dataset):
    metainfo: ClassVar[dict] = dict(name="images")

    def __init__(self, size: int) -> None:
        generator = torch.Generator().manual_seed(0)
        self.x = torch.randn(size, 3, 16, 16, generator=generator)
        self.y = torch.randn(size, 1, generator=generator)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.x[index], target=self.y[index])


class ConvNet(BaseModel):
    """Conv + BN + linear head; records the dtype its convolution produced."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 1)
        self.blow_up = False
        self.conv_dtypes: set[torch.dtype] = set()

    def forward(self, inputs, target=None, mode="tensor"):
        features = self.conv(inputs)
        self.conv_dtypes.add(features.dtype)
        out = self.fc(F.relu(self.bn(features)).mean((2, 3))).float()
        if mode == "loss":
            loss = F.mse_loss(out, target)
            return dict(loss=loss * 1e30 if self.blow_up else loss)
        if mode == "tensor":
            return out
        return [dict(pred=p, gt=t) for p, t in zip(out, target, strict=True)]


class SquaredError(BaseMetric):
    def process(self, data_batch: Any, data_samples: list) -> None:
        self.results += [float((s["pred"] - s["gt"]).pow(2).sum()) for s in data_samples]

    def compute_metrics(self, results: list) -> dict:
        return dict(mse=sum(results) / len(results))


class OverflowProbe(Hook):
    """Blows up one fp16 loss and records the weights around it and the loss scale."""

    def __init__(self, blow: bool) -> None:
        self.blow = blow
        self.scales: list[float] = []
        self.weights: dict[str, torch.Tensor] = {}

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        model = runner.model
        model.blow_up = self.blow and runner.iter == BLOWN_ITER
        if runner.iter in (BLOWN_ITER, BLOWN_ITER + 1):
            self.weights[runner.iter] = model.fc.weight.detach().clone()
        self.scales.append(runner.optim_wrapper.loss_scaler.get_scale())


def loader() -> dict:
    return dict(
        dataset=Images(64),
        sampler=dict(type="DefaultSampler", shuffle=True),
        batch_size=8,
        collate_fn=dict(type="default_collate"),
    )


def amp_wrapper(dtype: str) -> dict:
    return dict(type="AmpOptimWrapper", dtype=dtype, optimizer=dict(type="SGD", lr=0.01))


def check_amp(dtype: str, work_dir: str) -> None:
    torch_dtype = getattr(torch, dtype)
    probe = OverflowProbe(blow=dtype == "float16")
    runner = Runner(
        model=ConvNet(),
        work_dir=work_dir,
        train_dataloader=loader(),
        val_dataloader=loader(),
        test_dataloader=loader(),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        val_cfg=dict(),
        test_cfg=dict(fp16=True),
        val_evaluator=SquaredError(),
        test_evaluator=SquaredError(),
        optim_wrapper=amp_wrapper(dtype),
        custom_hooks=[
            dict(type="EmptyCacheHook", after_iter=True),
            dict(type="SyncBuffersHook"),
            dict(type="EMAHook"),
            probe,
        ],
        randomness=dict(seed=0),
        experiment_name=f"cuda-amp-{dtype}",
    )
    runner.train()
    model = runner.model
    assert next(model.parameters()).is_cuda, "the runner left the model off the GPU"
    assert torch_dtype in model.conv_dtypes, f"no {dtype} convolution: {model.conv_dtypes}"
    if dtype == "float16":
        before, after = probe.weights[BLOWN_ITER], probe.weights[BLOWN_ITER + 1]
        assert torch.equal(before, after), "the overflowing fp16 step was applied"
        assert probe.scales[BLOWN_ITER + 1] < probe.scales[BLOWN_ITER], probe.scales
    model.conv_dtypes.clear()
    metrics = runner.test()
    assert model.conv_dtypes == {torch.float16}, model.conv_dtypes
    assert torch.isfinite(torch.tensor(metrics["mse"])), metrics

    saved = torch.load(f"{work_dir}/epoch_2.pth", map_location="cpu", weights_only=True)
    scaler_state = saved["optimizer"]["loss_scaler"]
    if dtype == "float16":
        assert scaler_state["scale"] == runner.optim_wrapper.loss_scaler.get_scale()
    else:
        assert scaler_state == {}, scaler_state  # bf16 needs no scaler
    assert "ema_state_dict" in saved

    resumed = Runner(
        model=ConvNet(),
        work_dir=work_dir,
        train_dataloader=loader(),
        train_cfg=dict(by_epoch=True, max_epochs=3),
        optim_wrapper=amp_wrapper(dtype),
        custom_hooks=[dict(type="EMAHook")],
        resume=True,
        randomness=dict(seed=0),
        experiment_name=f"cuda-amp-{dtype}-resumed",
    )
    scale_at_resume: list[float] = []

    class ScaleAtStart(Hook):
        def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
            if not scale_at_resume:
                scale_at_resume.append(runner.optim_wrapper.loss_scaler.get_scale())

    resumed.register_hook(ScaleAtStart())
    resumed.train()
    assert resumed.epoch == 3
    if dtype == "float16":
        assert scale_at_resume == [scaler_state["scale"]], (scale_at_resume, scaler_state)
    print(f"ok: AmpOptimWrapper({dtype}) on {torch.cuda.get_device_name()}")


def treadle_cli(*args: str, launcher: list[str] | None = None) -> None:
    path = os.pathsep.join(filter(None, [str(TOY), os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, PYTHONPATH=path)
    command = [*(launcher or [sys.executable, "-m"]), "treadle", *args]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(command)} failed:\n{proc.stderr[-4000:]}"


def check_cli(work_dir: str) -> None:
    config = str(TOY / "toy_config.py")
    treadle_cli("train", config, "--work-dir", work_dir, "--amp", "--cfg-options",
                "train_cfg.max_epochs=2")  # fmt: skip
    treadle_cli("train", config, "--work-dir", work_dir, "--amp", "--resume")
    saved = torch.load(f"{work_dir}/epoch_3.pth", map_location="cpu", weights_only=True)
    assert "loss_scaler" in saved["optimizer"], sorted(saved["optimizer"])
    (best,) = Path(work_dir).glob("best_*.pth")
    treadle_cli("test", config, str(best), "--work-dir", work_dir)
    print("ok: treadle train --amp, --resume and treadle test")


def check_torchrun_nccl(work_dir: str) -> None:
    config = str(TOY / "toy_config.py")
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "1", "-m"]
    treadle_cli("train", config, "--work-dir", work_dir, "--launcher", "pytorch",
                "--cfg-options", "env_cfg.dist_cfg.backend=nccl", launcher=torchrun)  # fmt: skip
    (log,) = Path(work_dir).glob("*/*.log")
    assert "distributed: True (world size 1)" in log.read_text()
    assert sorted(p.name for p in Path(work_dir).glob("epoch_*.pth")) == [
        "epoch_1.pth",
        "epoch_2.pth",
        "epoch_3.pth",
    ]
    print("ok: torchrun --nproc-per-node 1 with NCCL")


def check_torchrun_fsdp(work_dir: str) -> None:
    config = str(TOY / "toy_config.py")
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "1", "-m"]
    options = ["--cfg-options", "env_cfg.dist_cfg.backend=nccl",
               "model_wrapper_cfg.type=MMFullyShardedDataParallel"]  # fmt: skip
    treadle_cli("train", config, "--work-dir", work_dir, "--launcher", "pytorch", *options,
                "train_cfg.max_epochs=2", launcher=torchrun)  # fmt: skip
    treadle_cli("train", config, "--work-dir", work_dir, "--launcher", "pytorch", "--resume",
                *options, launcher=torchrun)  # fmt: skip
    saved = torch.load(f"{work_dir}/epoch_3.pth", map_location="cpu", weights_only=True)
    assert saved["state_dict"]["linear.weight"].shape == (1, 16), saved["state_dict"].keys()
    assert saved["state_dict"]["linear.weight"].device.type == "cpu"
    print("ok: MMFullyShardedDataParallel with NCCL, resumed")


def one_epoch_runner(work_dir: str, **options: Any) -> Runner:
    """A quiet runner training the conv net for one epoch with SGD, plus ``options``."""
    return Runner(
        model=ConvNet(),
        work_dir=work_dir,
        train_dataloader=loader(),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        log_level="WARNING",
        **options,
    )


def check_compile_and_analysis(work_dir: str) -> None:
    from treadle.analysis import get_model_complexity_info

    runner = one_epoch_runner(work_dir, cfg=dict(compile=True))
    runner.train()
    assert hasattr(runner.model.train_step, "_torchdynamo_orig_callable")
    on_cpu = get_model_complexity_info(ConvNet(), (3, 16, 16), show_table=False)
    on_gpu = get_model_complexity_info(ConvNet().cuda(), (3, 16, 16), show_table=False)
    assert on_gpu["flops"] == on_cpu["flops"] > 0, (on_gpu["flops"], on_cpu["flops"])
    print("ok: compile=True (inductor) trains; analysis counts the same flops on CUDA")


def check_sync_bn(work_dir: str) -> None:
    """One NCCL rank in this process: ``sync_bn='torch'`` trains with SyncBatchNorm."""
    import torch.distributed as dist

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT="29517", RANK="0", WORLD_SIZE="1",
                      LOCAL_RANK="0")  # fmt: skip
    runner = one_epoch_runner(
        work_dir,
        launcher="pytorch",
        env_cfg=dict(dist_cfg=dict(backend="nccl")),
        cfg=dict(sync_bn="torch"),
    )
    try:
        bn = runner.model.module.bn
        assert isinstance(bn, nn.SyncBatchNorm), type(bn)
        runner.train()
        assert bn.num_batches_tracked.item() == 8 and bn.running_mean.abs().sum() > 0
    finally:
        del runner
        dist.destroy_process_group()
    print("ok: sync_bn='torch' trains with SyncBatchNorm on one NCCL rank")


def main() -> None:
    if not torch.cuda.is_available():
        sys.exit("check_runner_cuda.py needs a CUDA device; this machine has none")
    with tempfile.TemporaryDirectory() as tmp:
        for dtype in ("float16", "bfloat16"):
            check_amp(dtype, f"{tmp}/{dtype}")
        check_cli(f"{tmp}/cli")
        check_torchrun_nccl(f"{tmp}/ddp")
        check_torchrun_fsdp(f"{tmp}/fsdp")
        check_compile_and_analysis(f"{tmp}/compile")
        check_sync_bn(f"{tmp}/sync_bn")


if __name__ == "__main__":
    main()
