# The demo job (nox -s demo): fit a small MLP to synthetic data, validate every epoch,
# keep the best checkpoint by validation MSE, then test it.
custom_imports = dict(imports=["toy_regression"], allow_failed_imports=False)

model = dict(type="MLPRegressor", hidden=32)

train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    dataset=dict(type="SyntheticRegression", size=512, seed=0),
    sampler=dict(type="DefaultSampler", shuffle=True),
    collate_fn=dict(type="default_collate"),
)
val_dataloader = dict(
    batch_size=64,
    dataset=dict(type="SyntheticRegression", size=128, seed=1),
    sampler=dict(type="DefaultSampler", shuffle=False),
    collate_fn=dict(type="default_collate"),
)
test_dataloader = val_dataloader
val_evaluator = dict(type="MSE")
test_evaluator = val_evaluator

train_cfg = dict(by_epoch=True, max_epochs=6, val_interval=1)
val_cfg = dict()
test_cfg = dict()

optim_wrapper = dict(optimizer=dict(type="AdamW", lr=0.01, weight_decay=1e-4))
param_scheduler = [
    dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=32),
    # end given: `nox -s demo` stops the first run after 3 epochs, and a resumed scheduler
    # keeps the end it was built with (without one, the first run's length)
    dict(
        type="CosineAnnealingLR", by_epoch=True, begin=1, end=6, T_max=5, convert_to_iter_based=True
    ),
]

default_hooks = dict(
    logger=dict(type="LoggerHook", interval=16),
    checkpoint=dict(
        type="CheckpointHook",
        interval=1,
        max_keep_ckpts=2,
        save_best="regression/mse",
        rule="less",
    ),
)
randomness = dict(seed=0, deterministic=True)
env_cfg = dict(dist_cfg=dict(backend="gloo"))
work_dir = "./work_dirs/demo"
