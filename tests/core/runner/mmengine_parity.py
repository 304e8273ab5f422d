"""Runner parity with a live MMEngine 0.10.7 (run by ``nox -s parity``).

The same small jobs (``VARIANTS``: a linear regressor trained with SGD, validated with an
MSE metric, the best checkpoint kept) run under MMEngine's Runner and under Treadle's,
each side in a fresh process. The two must end with the same weights and metrics, write
the same scalar records and log lines (clock readings masked), the same checkpoint
layout and the same files; what Treadle adds on purpose (README, "Migrating from
MMEngine") is listed below and nothing else may differ.

    python tests/core/runner/mmengine_parity.py          # both sides, then compare
    python tests/core/runner/mmengine_parity.py --jobs config cuda_amp    # some jobs only
    python tests/core/runner/mmengine_parity.py --side treadle --variant config \\
        --work-dir EMPTY_DIR OUT.json                         # one side, one job
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from mmengine_parity_jobs import NEEDS_CUDA, VARIANTS, run_job

#: keys whose values are clock readings (compared by presence only)
CLOCK_KEYS = ("time", "data_time", "eta")
#: what Treadle's checkpoints add (README: "Resume"): the loop position and the RNG states
TREADLE_CHECKPOINT_EXTRAS = {"loop", "rng_state"}
#: internal scheduler state each side names its own way (the values that decide the
#: schedule are compared): MMEngine's momentum flag and plateau comparison value, Treadle's
#: per-group betas flags and the plateau scheduler's base values
SCHEDULER_STATE_NAMES = {"use_betas", "rule_worse", "_betas_groups", "base_values"}
#: MMEngine dumps an empty ``<timestamp>.py`` config for a runner built without a config;
#: Treadle writes the config only when there is one (README: "Runner")
MMENGINE_ONLY_FILES = {"TIME.py"}


def _own_version(keys: list[str]) -> list[str]:
    """Keys with MMEngine's version key named as Treadle's (a run resumed from MMEngine's
    checkpoint carries both)."""
    return sorted({"treadle_version" if k == "mmengine_version" else k for k in keys})


# ----- comparison ------------------------------------------------------------------------
def _mask_record(record: dict) -> dict:
    """``record`` with clock readings (``time``, ``val/data_time`` ...) masked."""
    return {k: ("CLOCK" if k.rsplit("/", 1)[-1] in CLOCK_KEYS else v) for k, v in record.items()}


def _mask_line(line: str) -> str:
    line = re.sub(r"eta: [0-9:, day]+?  ", "eta: CLOCK  ", line)
    return re.sub(r"((?:^|  )(?:\w+/)?(?:time|data_time): )[0-9.e-]+", r"\1CLOCK", line)


def _close(a: object, b: object, what: str, problems: list[str]) -> None:
    if isinstance(a, float) and isinstance(b, float):
        if abs(a - b) > 1e-6 * max(1.0, abs(a)):
            problems.append(f"{what}: {a!r} != {b!r}")
    elif isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            problems.append(f"{what}: keys {list(a)} != {list(b)}")
        for key in a.keys() & b.keys():
            _close(a[key], b[key], f"{what}.{key}", problems)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            problems.append(f"{what}: {len(a)} items != {len(b)}")
        for index, (x, y) in enumerate(zip(a, b, strict=False)):
            _close(x, y, f"{what}[{index}]", problems)
    elif a != b:
        problems.append(f"{what}: {a!r} != {b!r}")


def compare(mm: dict, tr: dict) -> list[str]:
    """What differs between the MMEngine (``mm``) and Treadle (``tr``) summaries."""
    problems: list[str] = []
    for key in ("records", "log_lines"):  # an empty side would make the check vacuous
        if not (mm[key] and tr[key]):
            problems.append(f"{key}: nothing to compare ({len(mm[key])} and {len(tr[key])})")
    _close(mm["weights"], tr["weights"], "final weights", problems)
    _close(mm["test_metrics"], tr["test_metrics"], "test metrics", problems)
    _close(mm.get("val_metrics"), tr.get("val_metrics"), "val metrics", problems)
    _close(
        [_mask_record(r) for r in mm["records"]],
        [_mask_record(r) for r in tr["records"]],
        "scalars.json",
        problems,
    )
    _close(
        [_mask_line(x) for x in mm["log_lines"]],
        [_mask_line(x) for x in tr["log_lines"]],
        "log lines",
        problems,
    )
    for key in ("last_checkpoint", "meta_epoch_iter", "hub_scalar_keys", "optimizer_keys"):
        _close(mm[key], tr[key], key, problems)
    mm_files = mm["files"]
    if not tr["config_given"]:
        mm_files = [name for name in mm_files if name not in MMENGINE_ONLY_FILES]
    _close(mm_files, tr["files"], "files", problems)
    for key in ("hub_runtime_keys", "meta_keys"):
        _close(_own_version(mm[key]), _own_version(tr[key]), key, problems)
    _close(
        mm["checkpoint_keys"],
        sorted(set(tr["checkpoint_keys"]) - TREADLE_CHECKPOINT_EXTRAS),
        "checkpoint keys",
        problems,
    )
    if len(mm["scheduler_states"]) != len(tr["scheduler_states"]):
        problems.append("scheduler states: a different number of schedulers")
    pairs = zip(mm["scheduler_states"], tr["scheduler_states"], strict=False)
    for index, (a, b) in enumerate(pairs):
        unexplained = (a.keys() ^ b.keys()) - SCHEDULER_STATE_NAMES
        if unexplained:
            problems.append(f"scheduler states[{index}]: keys {sorted(unexplained)} on one side")
        common = sorted(a.keys() & b.keys())
        _close([a[k] for k in common], [b[k] for k in common], f"scheduler {index}", problems)
    return problems


def _run_side(side: str, variant: str, work_dir: Path, out: Path) -> dict:
    """Run one side of ``variant`` in fresh processes (two torchrun ranks for 'ddp')."""
    command = [sys.executable, __file__, "--side", side, "--variant", variant]
    if variant == "ddp":
        torchrun = ["-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"]
        command = [sys.executable, *torchrun, *command[1:]]
    env = dict(os.environ)
    if side == "mmengine":  # its resume calls torch.load without weights_only,
        env["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = "1"  # which torch 2.6+ refuses
    work_dir.mkdir()
    command += ["--work-dir", str(work_dir), str(out)]
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{side} {variant} job failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(out.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", choices=("mmengine", "treadle"))
    parser.add_argument("--variant", choices=VARIANTS, default="epoch")
    parser.add_argument("--work-dir", help="with --side: the (shared) work_dir of the job")
    parser.add_argument("--jobs", nargs="+", choices=VARIANTS, default=VARIANTS)
    parser.add_argument("out", nargs="?")
    args = parser.parse_args()
    if args.side:  # one side (one rank of it), in this process
        import torch.distributed as dist

        summary = run_job(args.side, args.variant, args.work_dir)
        if os.environ.get("RANK", "0") == "0":
            Path(args.out).write_text(json.dumps(summary))
        if dist.is_initialized():  # neither runner releases the group: a rank exiting with
            dist.barrier()  # it live, or tearing it down under its peer, can abort in gloo
            dist.destroy_process_group()
        return 0
    import torch

    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for variant in args.jobs:
            if variant in NEEDS_CUDA and not torch.cuda.is_available():
                print(f"runner parity ({variant} job): not run, this machine has no CUDA device")
                continue
            if variant == "ddp" and torch.cuda.device_count() == 1:  # MMEngine's logger
                print("runner parity (ddp job): not run, MMEngine needs a GPU per rank here")
                continue  # maps each local rank to a visible GPU (IndexError with one)
            summaries = {
                side: _run_side(
                    side,
                    variant,
                    Path(tmp, f"{side}-{variant}"),
                    Path(tmp, f"{side}-{variant}.json"),
                )
                for side in ("mmengine", "treadle")
            }
            problems = compare(summaries["mmengine"], summaries["treadle"])
            if problems:
                failures += 1
                print(f"runner parity ({variant} job): {len(problems)} differences")
                for problem in problems:
                    print(f"  {problem}")
            else:
                print(f"runner parity ({variant} job): same weights, metrics, scalars, log lines")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
