"""One rank of a 2-process gloo job: a two-part model under ``MMSeparateDistributedDataParallel``.

Each part is updated by its own optimizer from a loss that reaches that part alone (a
single DDP wrapper around both would fail: half its parameters get no gradient). argv[1]
is the output directory; each rank writes ``rank<N>.pt``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from torch import nn

from treadle.cli._run_common import releasing_process_group
from treadle.dist import get_rank, init_dist
from treadle.model import BaseModel, MMSeparateDistributedDataParallel
from treadle.optim import OptimWrapper, OptimWrapperDict
from treadle.runner.checkpoint import get_state_dict


class TwoParts(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)  # the same start on both ranks
        self.generator = nn.Linear(3, 3)
        self.discriminator = nn.Linear(3, 1)
        self.frozen = nn.Linear(3, 3).requires_grad_(False)
        self.act = nn.ReLU()

    def forward(self, inputs, data_samples=None, mode="tensor"):
        return self.discriminator(self.act(self.generator(self.frozen(inputs))))

    def train_step(self, data, optim_wrapper):
        x = self.frozen(data["inputs"])
        d_loss = self.discriminator(x).pow(2).mean()  # reaches the discriminator only
        optim_wrapper["discriminator"].update_params(d_loss)
        g_loss = self.generator(x).pow(2).mean()  # reaches the generator only
        optim_wrapper["generator"].update_params(g_loss)
        return dict(d_loss=d_loss.detach(), g_loss=g_loss.detach())


def main(out_dir: Path) -> None:
    init_dist("pytorch", backend="gloo")
    rank = get_rank()
    model = MMSeparateDistributedDataParallel(TwoParts())
    parts = model.module
    optim = OptimWrapperDict(
        generator=OptimWrapper(torch.optim.SGD(parts.generator.parameters(), lr=0.5)),
        discriminator=OptimWrapper(torch.optim.SGD(parts.discriminator.parameters(), lr=0.5)),
    )
    start = {k: v.clone() for k, v in get_state_dict(model).items()}
    torch.manual_seed(100 + rank)  # each rank its own data
    for _ in range(3):
        model.train_step(dict(inputs=torch.randn(4, 3)), optim)
    torch.save(
        dict(
            wrapped={name: type(child).__name__ for name, child in parts._modules.items()},
            start=start,
            end={k: v.clone() for k, v in get_state_dict(model).items()},
        ),
        out_dir / f"rank{rank}.pt",
    )


if __name__ == "__main__":
    # the DDP wrappers are gone before the group: one left alive tears it down at exit
    with releasing_process_group():
        main(Path(sys.argv[1]))
