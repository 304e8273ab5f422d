custom_imports = dict(imports=['json', 'os.path'], allow_failed_imports=False)
optimizer = dict(type='CustomOptim')
