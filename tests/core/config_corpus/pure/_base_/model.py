from torch.nn import BatchNorm2d

model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet', depth=50, norm_cfg=dict(type=BatchNorm2d, eps=1e-5)),
    neck=dict(type='GlobalAveragePooling'))
