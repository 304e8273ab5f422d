_base_ = '_base_/default_runtime.py'
log_level = 'WARNING'
default_hooks = dict(logger=dict(interval=10))
