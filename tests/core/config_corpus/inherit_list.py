_base_ = [
    '_base_/models/resnet.py', '_base_/datasets/imagenet.py',
    '_base_/schedules/sgd_100e.py', '_base_/default_runtime.py'
]
model = dict(
    backbone=dict(depth=101, frozen_stages=1),
    head=dict(num_classes=10, topk=(1, )))
train_dataloader = dict(batch_size=64)
param_scheduler = [dict(type='StepLR', step_size=10)]
optim_wrapper = dict(optimizer=dict(lr=0.01), clip_grad=None)
new_key = 'added by child'
