"""A run's timestamp and experiment name: the work_dir's log folder and the name its logger,
message hub, visualizer and default scope are kept under."""

from __future__ import annotations

import os.path as osp
import time


def shared_timestamp(distributed: bool) -> str:
    """``YYYYmmdd_HHMMSS`` now; in a distributed run, rank 0's on every rank."""
    stamp = [time.strftime("%Y%m%d_%H%M%S", time.localtime())]
    if distributed:
        from treadle.dist import broadcast_object_list

        broadcast_object_list(stamp)
    return stamp[0]


def experiment_name(given: str | None, config_file: str | None, timestamp: str) -> str:
    """``<given or config stem>_<timestamp>`` (MMEngine's), suffixed ``_1``, ``_2`` ... when a
    runner of this process took it (its logger or message hub has that name)."""
    from treadle.logging import MessageHub, MMLogger

    stem = given
    if stem is None and config_file:
        stem = osp.splitext(osp.basename(config_file))[0]
    name = f"{stem}_{timestamp}" if stem else timestamp
    candidate, number = name, 0
    while any(kind.check_instance_created(candidate) for kind in (MessageHub, MMLogger)):
        number += 1
        candidate = f"{name}_{number}"
    return candidate
