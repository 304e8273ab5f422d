_base_ = 'level2.py'
model = dict(backbone=dict(norm_cfg=dict(type='SyncBN')))
level = 3
