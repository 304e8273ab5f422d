"""What ``treadle train`` and ``treadle test`` share: config loading, error reporting and
releasing the process group a distributed run joined."""

from __future__ import annotations

import argparse
import gc
import os.path as osp
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """``--work-dir``, ``--cfg-options`` and ``--launcher``."""
    from treadle.config import DictAction

    parser.add_argument("--work-dir", help="where logs and checkpoints go")
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=DictAction,
        metavar="KEY=VALUE",
        help="override settings, e.g. train_cfg.max_epochs=2 optim_wrapper.optimizer.lr=0.1",
    )
    parser.add_argument(
        "--launcher",
        choices=("none", "pytorch", "slurm", "mpi"),
        default="none",
        help="how the processes were started (torchrun: pytorch)",
    )
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0, help=argparse.SUPPRESS)


def load_config(args: argparse.Namespace) -> Any:
    """The config with ``--cfg-options``, launcher and work_dir applied (MMEngine's rules)."""
    from treadle.config import Config

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get("work_dir") is None:
        cfg.work_dir = osp.join("./work_dirs", osp.splitext(osp.basename(args.config))[0])
    return cfg


def bad_input_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean the user's input is wrong: reported in one line, no traceback."""
    from treadle.config import ConfigError
    from treadle.registry import RegistryError
    from treadle.runner import MissingPartsError
    from treadle.runner.checkpoint import CheckpointError

    return (ConfigError, RegistryError, MissingPartsError, CheckpointError, FileNotFoundError)


def report(command: str, error: BaseException) -> int:
    """Print ``error`` for ``command`` on stderr; the exit code 1."""
    print(f"treadle {command}: error: {error}", file=sys.stderr)
    return 1


def _group_initialised() -> bool:
    dist = sys.modules.get("torch.distributed")  # not imported: no group was made
    return dist is not None and dist.is_available() and dist.is_initialized()


@contextmanager
def releasing_process_group() -> Iterator[None]:
    """Once the run is over on every rank, destroy the process group it joined: a process
    exiting with a live gloo/NCCL group, or while a peer still uses it, can abort in their
    threads' teardown. After a failure the group is left to the process exit (waiting
    for ranks that may never arrive would hang)."""
    joined_here = not _group_initialised()
    yield
    if joined_here and _group_initialised():
        # the run's objects go first: a DDP wrapper left alive holds the group, which it
        # would then tear down at interpreter exit, after the group's own teardown
        gc.collect()
        dist = sys.modules["torch.distributed"]
        dist.barrier()
        dist.destroy_process_group()
