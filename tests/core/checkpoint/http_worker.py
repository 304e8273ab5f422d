"""One rank of a 2-process gloo job loading a checkpoint from http into a shared cache.

Run with RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT set (as torchrun
does); argv: URL, cache directory, output directory. Writes ``rank<N>.pt``, or
``rank<N>.err`` with the error when loading fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from treadle.dist import get_rank, init_dist
from treadle.runner.checkpoint import load_from_http


def main() -> None:
    url, cache, out_dir = sys.argv[1:4]
    init_dist("pytorch", backend="gloo")
    try:
        checkpoint = load_from_http(url, map_location="cpu", model_dir=cache, logger="silent")
    except Exception as exc:
        (Path(out_dir) / f"rank{get_rank()}.err").write_text(f"{type(exc).__name__}: {exc}")
    else:
        torch.save(checkpoint["state_dict"], Path(out_dir) / f"rank{get_rank()}.pt")
    torch.distributed.barrier()  # no rank tears the group down while a peer still uses it
    torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
