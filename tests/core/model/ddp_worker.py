"""One rank of a 2-process gloo job: a ``train_step`` through ``MMDistributedDataParallel``.

Run with RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT set (as torchrun
does); argv[1] is the output directory. Each rank starts from different weights
and trains on its own data; it writes ``rank<N>.pt`` with what the test checks.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from treadle.cli._run_common import releasing_process_group
from treadle.dist import get_rank, init_dist
from treadle.model import BaseModel, MMDistributedDataParallel, is_model_wrapper
from treadle.optim import OptimWrapper
from treadle.registry import MODEL_WRAPPERS

LR = 0.5


class TinyRegressor(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, inputs, targets=None, mode="tensor"):
        out = self.fc(inputs)
        if mode == "loss":
            return {"loss_mse": F.mse_loss(out, targets)}
        return out


def local_grads(model: nn.Module, data: dict) -> dict[str, torch.Tensor]:
    """This rank's own gradient on ``data``, from a plain copy of ``model``."""
    local = copy.deepcopy(model)
    F.mse_loss(local.fc(data["inputs"]), data["targets"]).backward()
    return {name: p.grad.clone() for name, p in local.named_parameters()}


def make_batch(seed: int) -> dict:
    generator = torch.Generator().manual_seed(seed)
    return {
        "inputs": torch.randn(4, 3, generator=generator),
        "targets": torch.randn(4, 2, generator=generator),
    }


def accumulate(rank: int) -> dict:
    """Two train_steps with accumulative_counts=2: the first must skip DDP's all-reduce."""
    torch.manual_seed(7)
    model = TinyRegressor()
    ddp = MODEL_WRAPPERS.build(dict(type="MMDistributedDataParallel", module=model))
    start = {k: v.clone() for k, v in model.state_dict().items()}
    batches = [make_batch(10 + 2 * rank + i) for i in range(2)]
    grads = [local_grads(model, batch) for batch in batches]
    optim_wrapper = OptimWrapper(torch.optim.SGD(ddp.parameters(), lr=LR), accumulative_counts=2)
    ddp.train_step(batches[0], optim_wrapper)
    mid_grad = model.fc.weight.grad.clone()  # no update yet: the gradient is still there
    mid_weight = model.fc.weight.detach().clone()
    ddp.train_step(batches[1], optim_wrapper)
    return {
        "start": start,
        "local_grads": grads,
        "mid_grad": mid_grad,
        "mid_weight": mid_weight,
        "after": {k: v.clone() for k, v in model.state_dict().items()},
    }


def main(out_dir: Path) -> None:
    init_dist("pytorch", backend="gloo")
    rank = get_rank()
    torch.manual_seed(100 + rank)  # different weights per rank: DDP must broadcast rank 0's
    model = TinyRegressor()
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    ddp = MMDistributedDataParallel(model)
    synced = {k: v.clone() for k, v in model.state_dict().items()}

    data = make_batch(rank)  # different data per rank
    grads = local_grads(model, data)

    optim_wrapper = OptimWrapper(torch.optim.SGD(ddp.parameters(), lr=LR))
    log_vars = ddp.train_step(data, optim_wrapper)

    torch.save(
        {
            "lr": LR,
            "initial": initial,
            "synced": synced,
            "local_grads": grads,
            "after": {k: v.clone() for k, v in model.state_dict().items()},
            "log_vars": {k: float(v) for k, v in log_vars.items()},
            "is_wrapper": is_model_wrapper(ddp),
            "val": ddp.val_step(data).detach(),
            "expected_val": model.fc(data["inputs"]).detach(),
            "accumulate": accumulate(rank),
        },
        out_dir / f"rank{rank}.pt",
    )


if __name__ == "__main__":
    # the DDP wrappers are gone before the group: one left alive tears it down at exit
    with releasing_process_group():
        main(Path(sys.argv[1]))
