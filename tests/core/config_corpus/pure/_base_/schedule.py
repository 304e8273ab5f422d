from torch.optim import SGD
from torch.optim.lr_scheduler import MultiStepLR as Steps

optim_wrapper = dict(optimizer=dict(type=SGD, lr=0.1, momentum=0.9))
param_scheduler = [dict(type=Steps, milestones=[30, 60], gamma=0.1)]
train_cfg = dict(by_epoch=True, max_epochs=100)
