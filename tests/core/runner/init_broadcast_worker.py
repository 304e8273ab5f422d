"""Run by test_runner_extension_points under two gloo ranks: with ``diff_rank_seed`` each rank
draws its own initial weights; after ``init_weights`` every rank must hold rank 0's."""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parents[2] / "fixtures" / "toy_runner"))
import toy_train

from treadle.cli._run_common import releasing_process_group
from treadle.dist import all_gather, get_rank, init_dist
from treadle.registry import MODELS
from treadle.runner import Runner


@MODELS.register_module(force=True)
class RandomlyInitialised(toy_train.ToyRegressor):
    def init_weights(self) -> None:
        torch.nn.init.normal_(self.linear.weight)


def main() -> None:
    init_dist("pytorch", backend="gloo", timeout=60)
    root = Path(sys.argv[1])
    runner = Runner(
        model=dict(type="RandomlyInitialised"),
        work_dir=str(root / "work"),
        launcher="pytorch",
        randomness=dict(seed=0, diff_rank_seed=True),
        log_level="WARNING",
    )
    drawn = torch.randn(1)  # the ranks' RNGs differ
    runner._init_model_weights()
    weights = all_gather(runner.model.module.linear.weight.detach())
    seeds = all_gather(drawn)
    if get_rank() == 0:
        same_weights = torch.equal(weights[0], weights[1])
        different_rngs = not torch.equal(seeds[0], seeds[1])
        (root / "result.txt").write_text(f"{same_weights} {different_rngs}")


with releasing_process_group():
    main()
