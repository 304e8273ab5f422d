_base_ = ['../level3.py', '../_base_/datasets/imagenet.py']
model = dict(backbone=dict(depth=34))
level = 4
train_pipeline = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]
