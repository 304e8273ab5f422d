_base_ = ['_base_/models/resnet.py', '_base_/datasets/imagenet.py']
a = {{_base_.model}}
depth = {{ _base_.model.backbone.depth }}
mixed = [{{_base_.model.head.num_classes}}, 'x', ({{_base_.data_root}}, 1)]
pipeline_copy = {{_base_.train_pipeline}}
model = dict(head=dict(num_classes={{_base_.model.backbone.depth}}))
