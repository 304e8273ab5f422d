"""One rank of a 2-process job for tests/core/dist; writes what it saw to OUT/rank<N>.json.

Usage: worker.py LAUNCHER OUT_DIR [PORT]   (PORT: passed to init_dist for 'slurm')
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch

from treadle import dist
from treadle.evaluator import BaseMetric, DumpResults, Evaluator

# dataset of 5 samples dealt round-robin and padded to 6 (rank 0: 0, 2, 4; rank 1: 1, 3, 0)
PREDICTIONS = [1, 0, 1, 1, 0]
LABELS = [1, 1, 1, 0, 0]


class Accuracy(BaseMetric):
    default_prefix = "acc"

    def process(self, data_batch, data_samples):
        for sample in data_samples:
            self.results.append((sample["pred"], sample["gt"]))

    def compute_metrics(self, results):
        self.seen = len(results)
        return {"top1": sum(p == g for p, g in results) / len(results), "n": len(results)}


class PerClass(BaseMetric):
    def process(self, data_batch, data_samples):
        self.results.extend(data_samples)

    def compute_metrics(self, results):
        return {"per_class": [0.5, 0.25]}


def collectives(rank: int) -> dict:
    out: dict = {}
    dist.barrier()
    tensor = torch.tensor([rank * 10 + 1, rank * 10 + 2])
    dist.broadcast(tensor, src=1)
    out["broadcast"] = tensor.tolist()
    objects = [{"from": rank}, f"text-{rank}"]
    dist.broadcast_object_list(objects, src=0)
    out["broadcast_object_list"] = objects
    for op in ("sum", "mean", "max", "MIN"):
        value = torch.tensor([rank + 1.0, 2.0 * (rank + 1)])
        dist.all_reduce(value, op=op)
        out[f"all_reduce_{op}"] = value.tolist()
    # insertion order differs between ranks: keys are reduced in rank 0's sorted order
    parts = [("a", torch.tensor([[1.0, 2.0]]) * (rank + 1)), ("b", torch.tensor([rank * 4.0]))]
    reduced = dict(parts if rank == 0 else parts[::-1])
    dist.all_reduce_dict(reduced, op="mean")
    out["all_reduce_dict_mean"] = {k: v.tolist() for k, v in sorted(reduced.items())}
    mismatched = {"a": torch.ones(1), **({"extra": torch.ones(1)} if rank == 1 else {})}
    try:
        dist.all_reduce_dict(mismatched)
    except ValueError as exc:
        out["all_reduce_dict_mismatch"] = str(exc)
    out["all_gather"] = [t.tolist() for t in dist.all_gather(torch.tensor([rank, rank * 3]))]
    out["all_gather_object"] = dist.all_gather_object({"rank": rank, "name": f"r{rank}"})
    out["gather_to_1"] = [t.tolist() for t in dist.gather(torch.tensor([rank * 2]), dst=1)]
    out["gather_object_to_0"] = dist.gather_object(("obj", rank), dst=0)
    np.random.seed(100 + rank)  # each rank's own draw differs ...
    out["local_draw"] = int(np.random.randint(2**31))
    np.random.seed(100 + rank)
    out["synced_seed"] = dist.sync_random_seed()  # ... but the synced seed agrees
    out["master_only"] = dist.master_only(lambda: f"ran on {rank}")()
    return out


def params_reduction(rank: int) -> dict:
    """all_reduce_params over real model tensors: coalesced, in buckets, one by one."""
    out: dict = {}
    torch.manual_seed(rank)  # each rank starts from its own weights
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    model[1].num_batches_tracked.fill_(rank + 1)  # an int64 buffer beside the floats
    out["weights_before"] = [p.tolist() for p in model.parameters()]
    dist.all_reduce_params(model.parameters(), op="mean")  # a generator of leaf parameters
    out["weights_mean"] = [p.tolist() for p in model.parameters()]
    out["still_leaves"] = all(p.requires_grad and p.is_leaf for p in model.parameters())
    dist.all_reduce_params(model.buffers())
    out["num_batches_sum"] = model[1].num_batches_tracked.item()
    # 1.2 MB float32 tensors: with 1 MiB buckets each is reduced in a bucket of its own
    big = [torch.full((300_000,), float(rank + 1)), torch.full((300_000,), 10.0 * (rank + 1))]
    extra = [torch.tensor([rank, 2 * rank], dtype=torch.float64)]
    dist.all_reduce_params(big + extra, bucket_size_mb=1, op="max")
    out["bucketed_max"] = [t.unique().tolist() for t in big] + [extra[0].tolist()]
    separate = [torch.tensor([rank + 1.0]), torch.tensor([[2.0 * rank]])]
    dist.all_reduce_params(separate, coalesce=False)
    out["separate_sum"] = [t.tolist() for t in separate]
    return out


def collection(rank: int, out_dir: str) -> dict:
    out: dict = {}
    padded = [[0, 2, 4], [1, 3, 0]][rank]
    uneven = [[0, 2, 4], [1, 3]][rank]
    with_none = [[None, "a"], ["b"]][rank]
    shared = os.path.join(out_dir, "shared")
    for device in ("cpu", "gpu"):
        out[f"{device}_padded"] = dist.collect_results(padded, 5, device=device)
        out[f"{device}_uneven"] = dist.collect_results(uneven, 5, device=device)
        out[f"{device}_none_kept"] = dist.collect_results(with_none, 3, device=device)
    out["cpu_given_dir"] = dist.collect_results(padded, 4, device="cpu", tmpdir=shared)
    dist.barrier()
    out["given_dir_left"] = sorted(os.listdir(shared))
    return out


def evaluation(rank: int, out_dir: str) -> dict:
    out: dict = {}
    indices = [[0, 2, 4], [1, 3, 0]][rank]
    samples = [{"pred": PREDICTIONS[i], "gt": LABELS[i], "index": i} for i in indices]
    dump_path = os.path.join(out_dir, "dump.pkl")
    for device in ("cpu", "gpu"):
        accuracy = Accuracy(collect_device=device)
        evaluator = Evaluator([accuracy, DumpResults(dump_path, collect_device=device)])
        evaluator.process(samples[:2])
        evaluator.process(samples[2:])
        out[f"metrics_{device}"] = evaluator.evaluate(size=5)
        out[f"computed_here_{device}"] = getattr(accuracy, "seen", None)
        out[f"results_cleared_{device}"] = accuracy.results == []
    broken = Evaluator(PerClass(prefix="pc"))
    broken.process(samples)
    try:
        broken.evaluate(size=5)
    except Exception as exc:
        out["error"] = [type(exc).__name__, str(exc)]
    return out


def main() -> None:
    launcher, out_dir = sys.argv[1], sys.argv[2]
    kwargs = {"port": int(sys.argv[3])} if len(sys.argv) > 3 else {}
    inferred = dist.infer_launcher()  # before init_dist adds the torchrun variables
    dist.init_dist(launcher, backend="gloo", timeout=60, **kwargs)
    rank = dist.get_rank()
    report = {
        "rank": rank,
        "world_size": dist.get_world_size(),
        "local_rank": dist.get_local_rank(),
        "local_size": dist.get_local_size(),
        "dist_info": list(dist.get_dist_info()),
        "is_main": dist.is_main_process(),
        "backend": dist.get_backend(),
        "inferred_launcher": inferred,
        "env": {k: os.environ.get(k) for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR")},
    }
    summed = torch.tensor([float(rank + 1)])
    dist.all_reduce(summed)
    report["sum_of_ranks_plus_one"] = summed.item()
    if launcher == "pytorch":
        report.update(collectives(rank))
        report.update(params_reduction(rank))
        report.update(collection(rank, out_dir))
        report.update(evaluation(rank, out_dir))
    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
        json.dump(report, f)
    dist.barrier()
    torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
