from mmengine.config import read_base

with read_base():
    from ._base_.model import *
    from ._base_.runtime import optim_wrapper, train_cfg as base_train_cfg

import torch.nn as nn
import mmpretrain.models
from mmpretrain.datasets import ImageNet as Dataset

model.backbone.update(depth=101)
model.head = dict(type='LinearClsHead', act=nn.ReLU, loss=dict(type=mmpretrain.models.CrossEntropyLoss))
optim_wrapper.optimizer.lr = 0.01
train_cfg = dict(base_train_cfg, max_epochs=12)
dataset = dict(type=Dataset, root='data', scales=(1, 2))
values = [x * 2 for x in range(3)]
