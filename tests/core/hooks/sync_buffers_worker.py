"""Run by test_sync_buffers_hook under torchrun (2 ranks, gloo): average BatchNorm buffers."""

import json
import sys
from types import SimpleNamespace

import torch
from torch import nn

from treadle.dist import barrier, get_rank, init_dist
from treadle.hooks import SyncBuffersHook

init_dist("pytorch", backend="gloo", timeout=60)
rank = get_rank()
model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
with torch.no_grad():
    model[1].running_mean.fill_(float(rank * 4))  # rank 0: 0, rank 1: 4 -> mean 2
    model[1].running_var.fill_(float(rank + 1))  # 1 and 2 -> 1.5
    model[1].num_batches_tracked.fill_(rank + 10)  # integer: left alone
runner = SimpleNamespace(model=model)
hook = SyncBuffersHook()
hook.before_run(runner)
hook.after_train_epoch(runner)
after_epoch = model[1].running_mean.tolist()
model[1].running_mean.fill_(float(rank * 8))
hook.before_val_epoch(runner)  # already synced at the epoch end: no second reduce
skipped = model[1].running_mean.tolist()
hook.before_val_epoch(runner)  # iteration-based: no epoch end came first, so reduce here
synced = model[1].running_mean.tolist()
with open(f"{sys.argv[1]}/rank{rank}.json", "w") as f:
    json.dump(
        dict(
            distributed=hook.distributed,
            after_epoch=after_epoch,
            var=model[1].running_var.tolist(),
            tracked=int(model[1].num_batches_tracked),
            skipped=skipped,
            synced=synced,
        ),
        f,
    )
barrier()
torch.distributed.destroy_process_group()
