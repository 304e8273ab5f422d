_base_ = ['_base_/models/resnet.py', '_base_/default_runtime.py']
model = 'replaced by a string'
default_hooks = dict(logger=None, checkpoint=dict(interval=5, max_keep_ckpts=3))
vis_backends = [dict(type='TensorboardVisBackend')]
