from mmengine.config import read_base

with read_base():
    from ._base_.runtime import *

optim_wrapper.optimizer.weight_decay = 1e-4
