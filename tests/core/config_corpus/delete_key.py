_base_ = ['_base_/models/resnet.py', '_base_/schedules/sgd_100e.py']
model = dict(backbone=dict(_delete_=True, type='MobileNetV2', widen_factor=1.0))
optim_wrapper = dict(_delete_=True, type='AmpOptimWrapper', optimizer=dict(type='Adam', lr=0.001))
brand_new = dict(_delete_=True, a=1)
train_cfg = dict(_delete_=False, max_epochs=3)
