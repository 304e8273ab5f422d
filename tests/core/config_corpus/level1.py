_base_ = ['_base_/models/resnet.py', '_base_/schedules/sgd_100e.py']
model = dict(backbone=dict(depth=18), head=dict(in_channels=512))
level = 1
