"""Budget of ``treadle.optim`` (issue 5): ``OptimWrapper.update_params`` on a small MLP
costs <= 1.05x the hand-written ``zero_grad(); backward(); step()``.

Both sides train the same model with the same optimizer (SGD with momentum) on the same
batch: forward + loss + update per iteration; only the update call differs. The
two are timed in alternating rounds (the order flips each round) so drift in machine
load hits both; each side keeps its best round. One thread, so the CPU shared with
other work disturbs as little as possible.
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from common import finish, report
from torch import nn

ITERATIONS = 100
ROUNDS = 41


def mlp() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)
    )


def main() -> None:
    from treadle.optim import OptimWrapper

    torch.set_num_threads(1)
    x, y = torch.randn(16, 32), torch.randint(0, 10, (16,))

    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    wrapper = OptimWrapper(optimizer)

    def hand_written() -> float:
        start = time.perf_counter()
        for _ in range(ITERATIONS):
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return (time.perf_counter() - start) / ITERATIONS

    def update_params() -> float:
        start = time.perf_counter()
        for _ in range(ITERATIONS):
            loss = F.cross_entropy(model(x), y)
            wrapper.update_params(loss)
        return (time.perf_counter() - start) / ITERATIONS

    hand_written(), update_params()  # warm-up
    best_hand = best_wrapped = float("inf")
    for round_index in range(ROUNDS):
        pair = (hand_written, update_params) if round_index % 2 else (update_params, hand_written)
        for fn in pair:
            seconds = fn()
            if fn is hand_written:
                best_hand = min(best_hand, seconds)
            else:
                best_wrapped = min(best_wrapped, seconds)
    print(
        f"hand-written loop: {best_hand * 1e6:.1f} us/iter, "
        f"update_params: {best_wrapped * 1e6:.1f} us/iter"
    )
    report("OptimWrapper.update_params vs hand-written step", best_wrapped / best_hand, 1.05, "x")
    finish()


if __name__ == "__main__":
    main()
