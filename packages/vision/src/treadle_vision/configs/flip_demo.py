_base_ = ['_base_/pipelines/flip.py', '_base_/default_runtime.py']
train_pipeline = [dict(type='RandomFlip', prob=1.0)]
