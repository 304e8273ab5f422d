flip_pipeline = [
    dict(type='RandomFlip', prob=1.0, direction='horizontal'),
    dict(type='RandomFlip', prob=0.0, direction='vertical', _scope_='vision'),
]
flip = dict(type='RandomFlip', prob=0.5, inner=dict(type='RandomFlip'))
flip_settings = dict(prob=0.5, directions=['horizontal', 'vertical'])
