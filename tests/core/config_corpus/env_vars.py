data_root = '{{$TREADLE_PARITY_UNSET:/data/coco/}}'
from_env = '{{$TREADLE_PARITY_SET:default}}'
dataset = dict(ann_file=data_root + 'train.json')
num_classes = {{'$TREADLE_PARITY_NUM:80'}}
ratio = {{"$TREADLE_PARITY_UNSET:0.5"}}
