"""One rank of a 2-process gloo job: report what the samplers give this rank.

Run by test_sampler.py with RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT set, as torchrun would.
Usage: python sampler_worker.py OUT_DIR
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import torch.distributed as dist

from treadle.dataset import DefaultSampler, InfiniteSampler


def main(out_dir: Path) -> None:
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    dataset = list(range(11))
    shuffled = DefaultSampler(dataset)  # seed=None: drawn on rank 0 and broadcast
    shuffled.set_epoch(3)
    report = {
        "rank": rank,
        "world_size": dist.get_world_size(),
        "seed": shuffled.seed,
        "shuffled_len": len(shuffled),
        "shuffled": list(shuffled),
        "ordered": list(DefaultSampler(dataset, shuffle=False, seed=0)),
        "not_rounded": list(DefaultSampler(dataset, shuffle=False, seed=0, round_up=False)),
        "not_rounded_len": len(DefaultSampler(dataset, shuffle=False, seed=0, round_up=False)),
        "infinite": list(itertools.islice(iter(InfiniteSampler(dataset, seed=5)), 11)),
    }
    (out_dir / f"rank{rank}.json").write_text(json.dumps(report))
    dist.barrier()  # no rank tears the group down while a peer still uses it
    dist.destroy_process_group()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
