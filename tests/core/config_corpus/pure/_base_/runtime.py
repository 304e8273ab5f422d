from mmengine.config import read_base

with read_base():
    from .schedule import *

default_hooks = dict(logger=dict(type='LoggerHook', interval=100))
train_cfg.update(val_interval=2)
