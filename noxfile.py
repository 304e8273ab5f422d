"""Sessions: ``tests`` (the suite), ``lint``, ``bench`` (budgets as ratios), ``parity``
(configs against a live MMEngine), ``demo``.

Every session installs what it needs into its own venv; ``nox -r`` reuses them.
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests", "lint"]

PYTHON = "3.11"
TORCH = "torch==2.13.0"  # a CPU build; an unpinned torch pulls a CUDA build of several GB
PACKAGES = [
    "./packages/core",
    "./packages/vision",
    "./packages/vis-backends",
    "./packages/fileio-backends",
]
FIXTURE_PLUGIN = "./tests/fixtures/acme-plugin"
RUFF = "ruff==0.17.6"


def install_treadle(session: nox.Session, *extra: str) -> None:
    session.install(TORCH)
    session.install(*PACKAGES, *extra)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole test suite, against pip-installed (not editable) distributions."""
    # hatchling: some tests pip-install throwaway plugin distributions they write
    install_treadle(session, FIXTURE_PLUGIN, "pytest", "hatchling")
    # fileio: every optional backend SDK, orjson, and moto's S3 server for the loopback tests
    session.install(
        "-c",
        "tests/constraints.txt",
        "./packages/core[fast]",
        "./packages/fileio-backends[s3,lmdb,memcached]",
        "moto[server]",
    )
    session.install("numpy")  # the fileio tests dump numpy values to JSON
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install(RUFF)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Budgets, each printed as a ratio measured in one run (MMEngine 0.10.7 beside us)."""
    install_treadle(session, "mmengine==0.10.7")
    session.install("./packages/core[fast]")  # orjson, which fileio.load uses when present
    session.run("python", "bench/run.py", *session.posargs)


@nox.session(python=PYTHON)
def parity(session: nox.Session) -> None:
    """Configs: Treadle and a live MMEngine 0.10.7 load the corpus to the same dicts.
    Optim: schedulers, wrappers and the constructor give the same values step by step.
    Runner: the same job ends with the same weights, scalars, log lines and files.
    Analysis: the same flops, activations, parameters and reports for a set of models.
    Inference: the same BaseInferencer subclass gives the same results."""
    install_treadle(session, "mmengine==0.10.7")
    session.run("python", "tests/core/config/make_golden.py", "check")
    session.run("python", "tests/core/optim/mmengine_parity.py")
    session.run("python", "tests/core/runner/mmengine_parity.py")
    session.run("python", "tests/core/analysis/mmengine_parity.py")
    session.run("python", "tests/core/infer/mmengine_parity.py")


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The main job: train a small model with `treadle train` (interrupted after 3 of 6
    epochs and resumed), keep the best checkpoint by validation MSE, then `treadle test` it."""
    import glob
    import os
    import shutil

    install_treadle(session)
    config = "examples/toy_regression/config.py"
    work_dir = "work_dirs/demo"
    env = {"PYTHONPATH": "examples/toy_regression"}
    shutil.rmtree(work_dir, ignore_errors=True)
    train = ("treadle", "train", config, "--work-dir", work_dir)
    session.run(*train, "--cfg-options", "train_cfg.max_epochs=3", env=env)
    session.run(*train, "--resume", env=env)
    (best,) = glob.glob(os.path.join(work_dir, "best_*.pth"))
    results = os.path.join(work_dir, "results.pkl")
    session.run("treadle", "test", config, best, "--work-dir", work_dir, "--out", results, env=env)
    session.log(f"best checkpoint: {best}; predictions: {results}")
