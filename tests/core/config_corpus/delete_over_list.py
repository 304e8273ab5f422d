_base_ = ['_base_/schedules/sgd_100e.py', '_base_/datasets/imagenet.py']
param_scheduler = dict(_delete_=True, type='ConstantLR', factor=1.0)
train_pipeline = dict(_delete_=True, steps=[dict(type='Load')])
val_dataloader = dict(dataset=dict(pipeline=dict(_delete_=True, type='Compose', transforms=[])))
