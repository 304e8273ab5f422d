_base_ = ['env_vars.py']
root_copy = {{_base_.data_root}}
extra = '{{$TREADLE_PARITY_SET:unused}}/child'
