"""The jobs of the runner parity check (mmengine_parity.py): each runs on one side,
``'mmengine'`` or ``'treadle'``, and returns a JSON summary of what the run left behind."""

from __future__ import annotations

import importlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

#: the jobs: plain objects counting epochs or iterations; a whole config built through the
#: registries (shuffled data, gradient accumulation and clipping, warm-up then cosine
#: without ``end``, EMA, a custom log statistic); that config counted in iterations over an
#: InfiniteSampler (dynamic validation intervals, poly decay, save_last, kept checkpoints,
#: validation losses the model appends to its predictions);
#: that config trained two epochs, then resumed by a new runner for the third ("migrate":
#: the first two epochs by MMEngine on both sides, Treadle resuming MMEngine's checkpoint); a
#: runner without training parts that loads a checkpoint (``load_from``) to val and test;
#: extras: auto_scale_lr, EarlyStoppingHook, checkpoints and logs sent to out_dir; logging:
#: LogProcessor and LoggerHook options, a plateau lr and a momentum schedule; openmmlab: a
#: config shaped like mmdet's (typed loops, ImgDataPreprocessor, pseudo_collate, data
#: samples, paramwise_cfg, env_cfg); two_optimizers: an OptimWrapperDict with a custom
#: train_step and per-part schedulers; ddp: the config job data-parallel on two gloo ranks
#: under torchrun; compile: the config job with ``compile=dict(backend="eager")``
#: (train_step through torch.compile); cuda_amp (only where CUDA is): the config job on the
#: GPU with AmpOptimWrapper in float16, a loss scale that overflows at first and grows back,
#: and the fp16 test loop
VARIANTS = (
    "epoch", "iter", "config", "iterations", "resume", "migrate", "evaluate", "extras",
    "logging", "openmmlab", "two_optimizers", "ddp", "compile", "cuda_amp",
)  # fmt: skip
NEEDS_CUDA = ("cuda_amp",)


def _job_parts(side: str) -> dict:
    """The job's dataset, model and metric classes on ``side``'s base classes, registered
    in its registries as ``Parity*``."""

    import torch
    import torch.nn.functional as F
    from torch import nn
    from torch.utils.data import Dataset

    BaseModel = importlib.import_module(f"{side}.model").BaseModel
    BaseMetric = importlib.import_module(f"{side}.evaluator").BaseMetric
    BaseDataElement = importlib.import_module(f"{side}.structures").BaseDataElement
    registry = importlib.import_module(f"{side}.registry")

    @registry.DATASETS.register_module(name="ParityPairs", force=True)
    class Pairs(Dataset):
        def __init__(self, size: int, seed: int) -> None:
            self.metainfo = dict(classes=("y",))
            generator = torch.Generator().manual_seed(seed)
            self.x = torch.randn(size, 16, generator=generator)
            self.y = self.x[:, :1] * 2.0 + 0.1 * torch.randn(size, 1, generator=generator)

        def __len__(self) -> int:
            return len(self.x)

        def __getitem__(self, index: int) -> dict:
            return dict(inputs=self.x[index], target=self.y[index])

    @registry.MODELS.register_module(name="ParityRegressor", force=True)
    class Regressor(BaseModel):
        def __init__(self, report_loss: bool = False) -> None:
            super().__init__()
            self.linear = nn.Linear(16, 1)
            self.report_loss = report_loss  # MMEngine's loss element after the predictions

        def forward(self, inputs, target=None, mode="tensor"):
            pred = self.linear(inputs)
            if mode == "loss":
                return dict(loss=F.mse_loss(pred, target))
            if mode == "predict":
                outputs = [dict(pred=p, target=t) for p, t in zip(pred, target, strict=True)]
                if self.report_loss:
                    loss = dict(loss=F.mse_loss(pred, target), loss_l1=F.l1_loss(pred, target))
                    outputs.append(BaseDataElement(loss=loss))
                return outputs
            return pred

    @registry.DATASETS.register_module(name="ParityImages", force=True)
    class Images(Dataset):
        """3x4x4 "images" with pixel values in [0, 255] and a data sample holding the target."""

        def __init__(self, size: int, seed: int) -> None:
            self.metainfo = dict(classes=("y",))
            generator = torch.Generator().manual_seed(seed)
            self.x = torch.rand(size, 3, 4, 4, generator=generator) * 255
            self.y = self.x.mean(dim=(1, 2, 3)).unsqueeze(1) / 128 - 1

        def __len__(self) -> int:
            return len(self.x)

        def __getitem__(self, index: int) -> dict:
            return dict(inputs=self.x[index], data_samples=BaseDataElement(target=self.y[index]))

    @registry.MODELS.register_module(name="ParityImageRegressor", force=True)
    class ImageRegressor(BaseModel):
        """OpenMMLab's shape: a data preprocessor stacks and normalises, targets come in
        data samples."""

        def __init__(self, data_preprocessor: dict | None = None) -> None:
            super().__init__(data_preprocessor=data_preprocessor)
            self.linear = nn.Linear(48, 1)

        def forward(self, inputs, data_samples=None, mode="tensor"):
            pred = self.linear(inputs.flatten(1))
            if mode == "tensor":
                return pred
            target = torch.stack([sample.target for sample in data_samples])
            if mode == "loss":
                return dict(loss=F.mse_loss(pred, target))
            return [dict(pred=p, target=t) for p, t in zip(pred, target, strict=True)]

    @registry.MODELS.register_module(name="ParityTwoParts", force=True)
    class TwoParts(BaseModel):
        """A model with two optimisers (a GAN's shape): ``train_step`` updates the encoder
        every iteration and the head every second one, through an OptimWrapperDict."""

        def __init__(self) -> None:
            super().__init__()
            self.encoder = nn.Linear(16, 4)
            self.head = nn.Linear(4, 1)

        def forward(self, inputs, target=None, mode="tensor"):
            pred = self.head(torch.tanh(self.encoder(inputs)))
            if mode == "predict":
                return [dict(pred=p, target=t) for p, t in zip(pred, target, strict=True)]
            return pred

        def train_step(self, data, optim_wrapper):
            data = self.data_preprocessor(data, True)
            log_vars = {}
            with optim_wrapper["encoder"].optim_context(self):
                loss = F.mse_loss(self(data["inputs"]), data["target"])
            optim_wrapper["encoder"].update_params(loss)
            log_vars["loss_encoder"] = loss.detach()
            if optim_wrapper["head"].optimizer.state or self._steps % 2:
                loss = F.l1_loss(self(data["inputs"]), data["target"])
                optim_wrapper["head"].update_params(loss)
                log_vars["loss_head"] = loss.detach()
            self._steps += 1
            return log_vars

        _steps = 0

    @registry.METRICS.register_module(name="ParityMSE", force=True)
    class MSE(BaseMetric):
        def process(self, data_batch, data_samples):
            for sample in data_samples:
                self.results.append(float((sample["pred"] - sample["target"]).pow(2).sum()))

        def compute_metrics(self, results):
            return dict(mse=sum(results) / len(results))

    return dict(Pairs=Pairs, Regressor=Regressor, MSE=MSE)


def _object_job(side: str, by_epoch: bool, work_dir: str) -> Any:
    """A runner given objects: model, data loaders, metric instances."""

    import torch
    from torch.utils.data import DataLoader, default_collate

    parts = _job_parts(side)
    Runner = importlib.import_module(f"{side}.runner").Runner

    def loader(size: int, seed: int) -> DataLoader:
        dataset = parts["Pairs"](size, seed)
        return DataLoader(dataset, batch_size=4, shuffle=False, collate_fn=default_collate)

    torch.manual_seed(0)
    if by_epoch:
        train_cfg = dict(by_epoch=True, max_epochs=3, val_interval=1)
        scheduler = dict(type="MultiStepLR", milestones=[2], gamma=0.1, by_epoch=True)
    else:
        train_cfg = dict(by_epoch=False, max_iters=18, val_interval=6)
        scheduler = dict(type="MultiStepLR", milestones=[12], gamma=0.1, by_epoch=False)
    return Runner(
        model=parts["Regressor"](),
        work_dir=work_dir,
        train_dataloader=loader(24, 0),
        val_dataloader=loader(8, 1),
        test_dataloader=loader(8, 2),
        train_cfg=train_cfg,
        val_cfg=dict(),
        test_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.05, momentum=0.9)),
        param_scheduler=scheduler,
        val_evaluator=[parts["MSE"]()],
        test_evaluator=[parts["MSE"]()],
        default_hooks=dict(
            logger=dict(type="LoggerHook", interval=2),
            checkpoint=dict(
                type="CheckpointHook",
                interval=1 if by_epoch else 6,
                by_epoch=by_epoch,
                save_best="mse",
                rule="less",
                max_keep_ckpts=2,
            ),
        ),
        log_processor=dict(by_epoch=by_epoch),
        randomness=dict(seed=0),
        log_level="INFO",
        experiment_name=f"parity-{side}",
    )


def _whole_config(side: str, variant: str, work_dir: str) -> dict:
    """A whole config of registry names for ``Runner.from_cfg``."""
    _job_parts(side)

    def loader(size: int, seed: int, sampler: dict) -> dict:
        return dict(
            dataset=dict(type="ParityPairs", size=size, seed=seed),
            sampler=sampler,
            batch_size=4,
            collate_fn=dict(type="default_collate"),
        )

    in_order = dict(type="DefaultSampler", shuffle=False)
    cfg = dict(
        model=dict(type="ParityRegressor"),
        work_dir=work_dir,
        experiment_name=f"parity-{side}",
        train_dataloader=loader(24, 0, dict(type="DefaultSampler", shuffle=True)),
        val_dataloader=loader(8, 1, in_order),
        test_dataloader=loader(8, 2, in_order),
        train_cfg=dict(by_epoch=True, max_epochs=3, val_interval=1),
        val_cfg=dict(),
        test_cfg=dict(),
        val_evaluator=dict(type="ParityMSE"),
        test_evaluator=dict(type="ParityMSE"),
        optim_wrapper=dict(
            optimizer=dict(type="SGD", lr=0.05, momentum=0.9, weight_decay=1e-4),
            accumulative_counts=2,
            clip_grad=dict(max_norm=1.0),
        ),
        param_scheduler=[
            dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=4),
            dict(type="CosineAnnealingLR", by_epoch=True, begin=0, eta_min=1e-3),
        ],
        default_hooks=dict(
            logger=dict(type="LoggerHook", interval=3),
            checkpoint=dict(type="CheckpointHook", interval=1, save_best="auto", rule="less"),
        ),
        custom_hooks=[dict(type="EMAHook", momentum=0.1)],
        log_processor=dict(
            window_size=4,
            custom_cfg=[
                dict(data_src="loss", method_name="mean", window_size="global", log_name="g")
            ],
        ),
        randomness=dict(seed=1),
        log_level="INFO",
    )
    if variant == "compile":  # train_step through torch.compile (dynamo's capture only)
        cfg["compile"] = dict(backend="eager")
    if variant == "cuda_amp":  # the runner puts the model on the GPU; fp16 with loss scaling
        cfg["optim_wrapper"] = dict(
            cfg["optim_wrapper"],
            type="AmpOptimWrapper",
            dtype="float16",
            # 2**40 overflows fp16 gradients: the first steps are skipped and the scale
            # halves until they fit, then doubles back after every 4 clean steps
            loss_scale=dict(init_scale=2.0**40, growth_interval=4),
        )
        cfg["test_cfg"] = dict(fp16=True)
    if variant == "iterations":  # an endless sampler, counted and logged in iterations
        cfg.update(
            model=dict(type="ParityRegressor", report_loss=True),
            train_dataloader=loader(24, 0, dict(type="InfiniteSampler", shuffle=True)),
            train_cfg=dict(
                by_epoch=False,
                max_iters=20,
                val_interval=5,
                val_begin=6,
                dynamic_intervals=[(12, 4)],
            ),
            optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.05, momentum=0.9)),
            param_scheduler=dict(type="PolyLR", power=1.0, eta_min=1e-3, by_epoch=False),
            default_hooks=dict(
                logger=dict(type="LoggerHook", interval=3, log_metric_by_epoch=False),
                checkpoint=dict(
                    type="CheckpointHook",
                    interval=5,
                    by_epoch=False,
                    max_keep_ckpts=2,
                    save_last=True,
                    save_best="mse",
                    rule="less",
                ),
            ),
            custom_hooks=[],
            log_processor=dict(by_epoch=False),
        )
    if variant == "two_optimizers":  # an OptimWrapperDict with a scheduler list per part
        # MMEngine takes a dict of optimizer wrappers as objects (built on the model's parts)
        import importlib

        import torch

        torch.manual_seed(0)
        optim = importlib.import_module(f"{side}.optim")
        model = importlib.import_module(f"{side}.registry").MODELS.build(
            dict(type="ParityTwoParts")
        )
        cfg.update(
            model=model,
            optim_wrapper=dict(
                encoder=optim.OptimWrapper(
                    torch.optim.SGD(model.encoder.parameters(), lr=0.05, momentum=0.9)
                ),
                # no clip_grad: MMEngine's wrapper logs the norm to the hub current when it
                # was built, here none of the runner's (Treadle's logs it to the run's)
                head=optim.OptimWrapper(torch.optim.Adam(model.head.parameters(), lr=0.01)),
            ),
            param_scheduler=dict(
                encoder=[dict(type="MultiStepLR", milestones=[2], by_epoch=True)],
                head=[dict(type="LinearLR", start_factor=0.2, by_epoch=False, end=6)],
            ),
            custom_hooks=[],
            log_processor=dict(window_size=4),
        )
    if variant == "openmmlab":  # shaped like an OpenMMLab config (mmdet's default_runtime)
        images = dict(type="ParityImages", size=24, seed=0)
        return dict(
            model=dict(
                type="ParityImageRegressor",
                data_preprocessor=dict(
                    type="ImgDataPreprocessor",
                    mean=[123.675, 116.28, 103.53],
                    std=[58.395, 57.12, 57.375],
                    bgr_to_rgb=True,
                ),
            ),
            work_dir=work_dir,
            experiment_name=f"parity-{side}",
            train_dataloader=dict(  # collate_fn left out: pseudo_collate
                batch_size=4,
                num_workers=0,
                persistent_workers=False,
                sampler=dict(type="DefaultSampler", shuffle=True),
                dataset=images,
            ),
            val_dataloader=dict(
                batch_size=4,
                sampler=dict(type="DefaultSampler", shuffle=False),
                dataset=dict(images, size=8, seed=1),
            ),
            test_dataloader=dict(
                batch_size=4,
                sampler=dict(type="DefaultSampler", shuffle=False),
                dataset=dict(images, size=8, seed=2),
            ),
            train_cfg=dict(type="EpochBasedTrainLoop", max_epochs=3, val_interval=1),
            val_cfg=dict(type="ValLoop"),
            test_cfg=dict(type="TestLoop"),
            val_evaluator=dict(type="ParityMSE"),
            test_evaluator=dict(type="ParityMSE"),
            optim_wrapper=dict(
                type="OptimWrapper",
                optimizer=dict(type="SGD", lr=0.02, momentum=0.9, weight_decay=1e-4),
                paramwise_cfg=dict(bias_decay_mult=0.0),
            ),
            param_scheduler=[
                dict(type="LinearLR", start_factor=0.001, by_epoch=False, begin=0, end=5),
                dict(type="MultiStepLR", begin=0, end=3, by_epoch=True, milestones=[2]),
            ],
            default_hooks=dict(
                timer=dict(type="IterTimerHook"),
                logger=dict(type="LoggerHook", interval=2),
                param_scheduler=dict(type="ParamSchedulerHook"),
                checkpoint=dict(type="CheckpointHook", interval=1),
                sampler_seed=dict(type="DistSamplerSeedHook"),
            ),
            env_cfg=dict(
                cudnn_benchmark=False,
                mp_cfg=dict(mp_start_method="fork", opencv_num_threads=0),
                dist_cfg=dict(backend="gloo"),
            ),
            log_processor=dict(type="LogProcessor", window_size=50, by_epoch=True),
            log_level="INFO",
            load_from=None,
            resume=False,
            randomness=dict(seed=0),
        )
    if variant == "logging":  # log processor options, plateau schedule, explicit visualizer
        cfg.update(
            param_scheduler=[
                dict(
                    type="ReduceOnPlateauLR",
                    monitor="mse",
                    rule="less",
                    factor=0.5,
                    patience=0,
                    threshold=0.5,
                ),
                dict(type="CosineAnnealingMomentum", eta_min=0.5, by_epoch=True),
            ],
            default_hooks=dict(
                logger=dict(
                    type="LoggerHook", interval=4, log_metric_by_epoch=False, ignore_last=False
                ),
                checkpoint=dict(type="CheckpointHook", interval=1, max_keep_ckpts=1),
            ),
            custom_hooks=[],
            log_processor=dict(
                window_size=2,
                log_with_hierarchy=True,
                num_digits=6,
                custom_cfg=[
                    dict(data_src="loss", method_name="max", window_size="epoch", log_name="top"),
                    dict(data_src="loss", method_name="min", window_size=3),
                ],
            ),
            visualizer=dict(type="Visualizer", vis_backends=[dict(type="LocalVisBackend")]),
        )
    if variant == "extras":  # scaled lr, early stopping, checkpoints and logs in out_dir
        cfg.update(
            train_cfg=dict(by_epoch=True, max_epochs=8, val_interval=1),
            auto_scale_lr=dict(enable=True, base_batch_size=8),
            default_hooks=dict(
                logger=dict(type="LoggerHook", interval=3, out_dir=f"{work_dir}/logs_out"),
                checkpoint=dict(
                    type="CheckpointHook",
                    interval=2,
                    filename_tmpl="ckpt_{}.pth",
                    save_optimizer=False,
                    out_dir=f"{work_dir}/ckpt_out",
                    save_best="mse",
                    rule="less",
                ),
            ),
            custom_hooks=[
                dict(
                    type="EarlyStoppingHook", monitor="mse", rule="less", min_delta=0.45, patience=2
                )
            ],
        )
    return cfg


def run_job(side: str, variant: str, work_dir: str) -> dict:
    """Train, validate and test ``variant`` under ``side`` ('mmengine' or 'treadle'); a
    JSON summary."""

    import torch.distributed

    if variant in ("epoch", "iter"):
        runner = _object_job(side, variant == "epoch", work_dir)
    elif variant == "ddp":  # the config job on two gloo ranks under torchrun
        Config = importlib.import_module(f"{side}.config").Config
        Runner = importlib.import_module(f"{side}.runner").Runner
        cfg = _whole_config(side, "config", work_dir)
        cfg.update(launcher="pytorch", env_cfg=dict(dist_cfg=dict(backend="gloo")))
        # MMEngine's launcher calls torch.cuda.set_device and its wrapper passes the local
        # rank as device_ids even for gloo, which a CPU-only torch refuses: join the group
        # here (both runners find it joined) and name no device in the wrapper config
        cfg["model_wrapper_cfg"] = dict(type="MMDistributedDataParallel", device_ids=None)
        torch.distributed.init_process_group("gloo")
        runner = Runner.from_cfg(Config(cfg))
    elif variant == "evaluate":  # train one epoch, then only val() and test() a checkpoint
        Config = importlib.import_module(f"{side}.config").Config
        Runner = importlib.import_module(f"{side}.runner").Runner
        cfg = _whole_config(side, "config", work_dir)
        first = dict(cfg, experiment_name=f"parity-{side}-first")
        first["train_cfg"] = dict(cfg["train_cfg"], max_epochs=1)
        Runner.from_cfg(Config(first)).train()
        time.sleep(1.1)
        for key in ("train_dataloader", "train_cfg", "optim_wrapper", "param_scheduler"):
            cfg.pop(key)
        # MMEngine 0.10.7 fails in val()/test() alone on save_best (CheckpointHook has no
        # file backend before training) and on a 'global' log window (runner.iter)
        cfg["default_hooks"] = dict(cfg["default_hooks"], checkpoint=dict(type="CheckpointHook"))
        cfg["log_processor"] = dict(window_size=4)
        cfg["load_from"] = str(Path(work_dir, "epoch_1.pth"))
        cfg["test_cfg"] = dict(fp16=True)  # the test loop under autocast (bfloat16 on CPU)
        runner = Runner.from_cfg(Config(cfg))
        return dict(
            val_metrics=runner.val(),
            test_metrics=runner.test(),
            weights={k: v.flatten().tolist() for k, v in runner.model.state_dict().items()},
            config_given=True,
            **_work_dir_summary(Path(work_dir)),
        )
    else:
        Config = importlib.import_module(f"{side}.config").Config
        Runner = importlib.import_module(f"{side}.runner").Runner
        cfg = _whole_config(side, variant, work_dir)
        if variant in ("resume", "migrate"):  # two epochs, then a new runner resumes
            # "migrate": MMEngine trains the first two epochs on both sides, so Treadle's
            # side resumes from MMEngine's checkpoint
            first_side = "mmengine" if variant == "migrate" else side
            first = _whole_config(first_side, "config", work_dir)
            first.update(experiment_name=f"parity-{side}-first")
            first["train_cfg"] = dict(cfg["train_cfg"], max_epochs=2)
            first_runner = importlib.import_module(f"{first_side}.runner").Runner
            first_config = importlib.import_module(f"{first_side}.config").Config
            first_runner.from_cfg(first_config(first)).train()
            time.sleep(1.1)  # the resumed run gets its own timestamped log directory
            cfg["resume"] = True
        # objects (the two_optimizers job's wrappers hold its model's parameters) go to the
        # constructor as they are
        runner = Runner(**cfg) if variant == "two_optimizers" else Runner.from_cfg(Config(cfg))
    runner.train()
    test_metrics = runner.test()
    return dict(
        weights={k: v.flatten().tolist() for k, v in runner.model.state_dict().items()},
        test_metrics=test_metrics,
        config_given=variant not in ("epoch", "iter", "two_optimizers"),
        **_work_dir_summary(Path(work_dir)),
    )


def _work_dir_summary(work_dir: Path) -> dict:
    """Files, scalar records, log lines and checkpoint layout a run left in ``work_dir``."""
    import torch

    stamp = re.compile(r"\d{8}_\d{6}")
    files = sorted(  # out_dir copies sit under the work_dir's (temporary) name
        stamp.sub("TIME", str(p.relative_to(work_dir))).replace(work_dir.name, "WORK")
        for p in work_dir.rglob("*")
    )
    run_dirs = [p for p in work_dir.iterdir() if p.is_dir() and stamp.fullmatch(p.name)]
    run_dir = max(run_dirs)  # the newest run's
    scalars = run_dir / "vis_data" / "scalars.json"
    records = [json.loads(line) for line in scalars.read_text().splitlines()]
    (log,) = run_dir.glob("*.log")
    # the message after "<date> <time> - <logger name> - <LEVEL> - "
    lines = [
        line.split(" - ", 3)[3]
        for line in log.read_text().splitlines()
        if re.match(r"(\d{4}/)?\d\d/\d\d \d\d:\d\d:\d\d - ", line)
        and re.search(r"(Epoch|Iter)\(", line)
    ]
    marker = (work_dir / "last_checkpoint").read_text().strip()
    checkpoint = torch.load(marker, map_location="cpu", weights_only=False)
    return dict(
        files=files,
        records=records,
        log_lines=lines,
        last_checkpoint=os.path.basename(marker),
        checkpoint_keys=sorted(checkpoint),
        meta_keys=sorted(checkpoint["meta"]),
        meta_epoch_iter=[checkpoint["meta"]["epoch"], checkpoint["meta"]["iter"]],
        hub_runtime_keys=sorted(checkpoint["message_hub"]["runtime_info"]),
        hub_scalar_keys=sorted(checkpoint["message_hub"]["log_scalars"]),
        optimizer_keys=sorted(checkpoint.get("optimizer", {})),
        scheduler_states=_flat_states(checkpoint["param_schedulers"]),
    )


def _flat_states(states: list | dict) -> list:
    """Scheduler states as one list (an OptimWrapperDict's run keeps a list per part)."""
    if isinstance(states, dict):
        return [state for name in sorted(states) for state in states[name]]
    return list(states)
