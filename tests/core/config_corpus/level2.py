_base_ = ['./level1.py', '_base_/default_runtime.py']
model = dict(head=dict(num_classes=100))
train_cfg = dict(max_epochs=50)
level = 2
