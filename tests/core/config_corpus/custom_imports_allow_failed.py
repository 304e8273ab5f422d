custom_imports = dict(imports=['treadle_parity_no_such_module'], allow_failed_imports=True)
value = 1
