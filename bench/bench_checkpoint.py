"""Budget of checkpoint IO (issue 6), as a ratio measured in this run.

- ``save_checkpoint`` + ``_load_checkpoint`` of a 100 MB state (float32 tensors):
  <= 1.15x plain ``torch.save`` + ``torch.load`` (both ``weights_only=True``) on the
  same disk. Ours also writes atomically (temp file, fsync, rename) and translates errors;
  plain ``torch.save`` leaves its bytes in the page cache, so its disk write is not timed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable

import torch
from common import best_per_call, finish, report

from treadle.runner.checkpoint import _load_checkpoint, save_checkpoint

MB = 1 << 20


def state_of(total_bytes: int) -> dict[str, torch.Tensor]:
    """A model-like state: 25 float32 tensors of 4 MB each (100 MB)."""
    gen = torch.Generator().manual_seed(0)
    count = 25
    numel = total_bytes // count // 4
    return {f"layer{i}.weight": torch.randn(numel, generator=gen) for i in range(count)}


def quiet_disk_seconds(fn: Callable[[], None]) -> float:
    """Seconds of one call of ``fn``, started once the disk has written all dirty pages.

    ``torch.save`` leaves its file to be written back later; without the sync that
    write-back would land in (and slow) whichever call comes next.
    """
    os.sync()
    return best_per_call(fn, 1, repeat=1)


def main() -> None:
    state = {"state_dict": state_of(100 * MB), "meta": {"epoch": 1}}
    here = os.path.dirname(os.path.abspath(__file__))  # on the disk of the repository
    with tempfile.TemporaryDirectory(dir=here, prefix=".bench-ckpt-") as tmp:
        plain_path = os.path.join(tmp, "plain.pth")
        ours_path = os.path.join(tmp, "ours.pth")

        def plain() -> None:
            torch.save(state, plain_path)
            torch.load(plain_path, map_location="cpu", weights_only=True)

        def ours() -> None:
            save_checkpoint(state, ours_path)
            _load_checkpoint(ours_path, map_location="cpu", logger="silent")

        plain()  # warm both paths (page cache, first-call imports)
        ours()
        base_best = ours_best = float("inf")
        for _ in range(15):  # alternate so drifting load hits both alike
            base_best = min(base_best, quiet_disk_seconds(plain))
            ours_best = min(ours_best, quiet_disk_seconds(ours))
        print(f"(plain {base_best * 1e3:.0f} ms, ours {ours_best * 1e3:.0f} ms per save+load)")
        report(
            "checkpoint save+load 100 MB / torch.save+torch.load", ours_best / base_best, 1.15, "x"
        )
    finish()


if __name__ == "__main__":
    main()
