_base_ = ['_base_/models/resnet.py', '_base_/datasets/imagenet.py']
