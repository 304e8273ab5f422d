_base_ = ['_base_/models/resnet.py', '_base_/datasets/imagenet.py']
a = _base_.model
a.type = 'MobileNet'
mean = _base_.model['data_preprocessor']['mean'][::-1]
scales = [s * 2 for s in (1, 2, 3)]
pipeline = _base_.train_pipeline
pipeline[1] = dict(type='Resize', scale=(512, 512))
root = _base_.data_root + 'extra/'
model = dict(backbone=dict(depth=_base_.model.backbone.depth + 1))
