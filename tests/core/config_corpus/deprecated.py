_deprecation_ = dict(expected='level1.py', reference='https://example.com/notes')
value = 1
