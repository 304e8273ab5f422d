_base_ = ['_base_/runtime.json', '_base_/optimizer.yaml']
optimizer = dict(lr=0.5, nesterov=True)
env_cfg = dict(dist_cfg=dict(backend='gloo'), extra=1)
schedule = [dict(type='ConstantLR')]
