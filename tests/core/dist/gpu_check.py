"""GPU checks for structures, dist and evaluator; not collected by pytest (it needs CUDA).

Run on a machine with at least one GPU, from the repository root:

    PYTHONPATH=packages/core/src python -m torch.distributed.run --nproc-per-node 2 \
        tests/core/dist/gpu_check.py gloo    # CUDA tensors through gloo, 2 ranks on GPU 0
    PYTHONPATH=packages/core/src python -m torch.distributed.run --nproc-per-node 1 \
        tests/core/dist/gpu_check.py nccl    # init through NCCL, communication on cuda:0

Each rank asserts as it goes and prints one JSON line ending in ``"ok": true``.
"""

import json
import os
import pickle
import sys
import tempfile

import numpy as np
import torch

from treadle import dist
from treadle.evaluator import BaseMetric, DumpResults, Evaluator
from treadle.structures import BaseDataElement, InstanceData, LabelData, PixelData

backend = sys.argv[1]
dist.init_dist("pytorch", backend=backend, timeout=60)
rank, ws = dist.get_dist_info()
dev = torch.device("cuda", 0)
out = {"rank": rank, "ws": ws, "backend": dist.get_backend(), "comm": str(dist.get_comm_device())}

# structures on the GPU
el = BaseDataElement(a=torch.ones(2), nested=InstanceData(b=torch.arange(3)), metainfo=dict(i=1))
g = el.cuda()
assert g.a.is_cuda and g.nested.b.is_cuda and not el.a.is_cuda
c = g.cpu()
assert not c.a.is_cuda and not c.nested.b.is_cuda
n = g.numpy()
assert isinstance(n.a, np.ndarray) and isinstance(n.nested.b, np.ndarray)
assert el.to("cuda").a.is_cuda and el.to(dev).nested.b.is_cuda
assert g.detach().a.is_cuda
assert g.clone().a.is_cuda and g.clone().a.data_ptr() != g.a.data_ptr()
inst = InstanceData(x=torch.arange(4, device=dev), y=np.arange(4), z=["a", "b", "c", "d"])
sel = inst[torch.tensor([True, False, True, False])]  # CPU mask, CUDA field
assert (
    sel.x.tolist() == [0, 2] and sel.x.is_cuda and sel.y.tolist() == [0, 2] and sel.z == ["a", "c"]
)
sel = inst[torch.tensor([3, 1], device=dev)]  # CUDA index, numpy/list fields
assert sel.x.tolist() == [3, 1] and sel.y.tolist() == [3, 1] and sel.z == ["d", "b"]
sel = inst[inst.x > 1]  # CUDA mask
assert sel.z == ["c", "d"]
cat = InstanceData.cat([inst, inst[0]])
assert cat.x.is_cuda and len(cat) == 5
pix = PixelData(m=torch.zeros(8, 6, device=dev))
assert pix.m.shape == (1, 8, 6) and pix[2:4, 1:3].m.is_cuda and pix[2:4, 1:3].shape == (2, 2)
oh = LabelData.label_to_onehot(torch.tensor([2], device=dev), 4)
assert oh.is_cuda and LabelData.onehot_to_label(oh).tolist() == [2]

# collectives with CUDA and CPU tensors
t = torch.tensor([rank + 1.0], device=dev)
dist.all_reduce(t, "mean")
assert t.is_cuda and t.item() == (ws + 1) / 2, t
cpu_t = torch.tensor([rank + 1.0])
dist.all_reduce(cpu_t)
assert not cpu_t.is_cuda and cpu_t.item() == ws * (ws + 1) / 2
gathered = dist.all_gather(torch.tensor([rank], device=dev))
assert all(x.is_cuda for x in gathered) and [x.item() for x in gathered] == list(range(ws))
b = torch.tensor([rank * 5], device=dev)
dist.broadcast(b, src=ws - 1)
assert b.is_cuda and b.item() == (ws - 1) * 5
d = {"b": torch.tensor([1.0, rank], device=dev), "a": torch.tensor([[2.0]], device=dev)}
dist.all_reduce_dict(d)
assert d["b"].is_cuda and d["a"].shape == (1, 1) and d["a"].item() == 2.0 * ws
objs = dist.all_gather_object({"t": torch.tensor([rank], device=dev)})
assert [o["t"].item() for o in objs] == list(range(ws))
g0 = dist.gather(torch.tensor([rank], device=dev), dst=0)
assert (rank != 0 and g0 == []) or (rank == 0 and [x.item() for x in g0] == list(range(ws)))
seeds = dist.all_gather_object(dist.sync_random_seed())
assert len(set(seeds)) == 1
objs = [rank, "x"]
dist.broadcast_object_list(objs, src=0)
assert objs == [0, "x"]

# collect_results and a metric over CUDA results
size = 2 * ws - 1
part = [torch.tensor([i], device=dev) for i in range(rank, 2 * ws, ws)]
for device in ("gpu", "cpu"):
    res = dist.collect_results(part, size, device)
    if rank == 0:
        assert [x.item() for x in res] == list(range(size)), res
    else:
        assert res is None


class Mean(BaseMetric):
    default_prefix = "m"

    def process(self, data_batch, data_samples):
        self.results.extend(s["v"] for s in data_samples)

    def compute_metrics(self, results):
        assert all(not r.is_cuda for r in results)  # moved to the CPU before computing
        return {"mean": torch.cat(results).float().mean()}


dump_path = os.path.join(tempfile.gettempdir(), "gpu_check_dump.pkl")
ev = Evaluator([Mean(collect_device="gpu"), DumpResults(dump_path, collect_device="gpu")])
ev.process([BaseDataElement(v=x) for x in part])
metrics = ev.evaluate(size)
assert abs(float(metrics["m/mean"]) - (size - 1) / 2) < 1e-6, metrics
if rank == 0:
    with open(dump_path, "rb") as f:
        dumped = pickle.load(f)
    assert [x["v"].device.type for x in dumped] == ["cpu"] * size
out["metrics"] = {k: float(v) for k, v in metrics.items()}
out["ok"] = True
print(json.dumps(out), flush=True)
dist.barrier()
torch.distributed.destroy_process_group()
