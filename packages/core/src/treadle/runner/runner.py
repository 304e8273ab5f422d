"""``Runner``: assemble model, data, optimisation, evaluation, hooks and logging, then delegate.

The runner builds what a config (or the caller) describes and hands control to
a loop (see ``loops.py``); checkpoint IO lives in ``treadle.runner.checkpoint``
(saving and resuming in ``resume.py``), hook registration and calls in
``hook_wiring.py`` (dispatch in ``treadle.hooks.dispatch``), component builders in
``builders.py``, process set-up in ``env.py``. Arguments and behaviour follow MMEngine
0.10.7.
"""

from __future__ import annotations

import copy
import os
import os.path as osp
from typing import Any

from torch import nn

from treadle.hooks.dispatch import HookDispatcher
from treadle.registry import RUNNERS, DefaultScope
from treadle.runner import builders, env, naming
from treadle.runner.checkpoint.sharded import is_sharded
from treadle.runner.hook_wiring import HookWiringMixin
from treadle.runner.loops import BaseLoop, _TrainLoopBase
from treadle.runner.resume import ResumeMixin

#: the parts each mode needs, for the "missing" error
_MODE_PARTS = {
    "train": ("train_dataloader", "train_cfg", "optim_wrapper"),
    "val": ("val_dataloader", "val_cfg", "val_evaluator"),
    "test": ("test_dataloader", "test_cfg", "test_evaluator"),
}
_LOOP_ITER = _TrainLoopBase.__dict__["iter"]  # the built-in loops' ``iter`` property
#: train_cfg key choosing what a non-finite loss does (a Treadle addition)
NONFINITE_KEY = "nonfinite_loss"


class MissingPartsError(ValueError):
    """A mode was asked for without the config parts it needs."""


def _runner_class(runner_type: Any, scope: str | None) -> type | None:
    """The class ``runner_type`` names (None stays None); a name is looked up from ``scope``."""
    if runner_type is None or isinstance(runner_type, type):
        return runner_type
    if not isinstance(runner_type, str):
        raise TypeError(
            f"runner_type must be a RUNNERS name or a Runner class, got "
            f"{type(runner_type).__name__}: {runner_type!r}"
        )
    with RUNNERS.switch_scope_and_registry(scope) as registry:
        target = registry.get(runner_type)
        if target is None:
            raise registry.unknown_type_error(runner_type)
    return target


@RUNNERS.register_module()
class Runner(HookWiringMixin, ResumeMixin):
    """Build the training components and run ``train()``, ``val()`` or ``test()``.

    Every component may be an object or its config dict; data loaders and loops are
    built on first use. ``train_cfg`` may also hold ``nonfinite_loss``: ``'raise'``
    (default: stop with an error naming the iteration), ``'skip'`` (drop that step,
    warn) or ``'ignore'`` (MMEngine's behaviour: no check).
    """

    def __init__(
        self,
        model: nn.Module | dict,
        work_dir: str,
        train_dataloader: Any = None,
        val_dataloader: Any = None,
        test_dataloader: Any = None,
        train_cfg: dict | None = None,
        val_cfg: dict | None = None,
        test_cfg: dict | None = None,
        auto_scale_lr: dict | None = None,
        optim_wrapper: Any = None,
        param_scheduler: Any = None,
        val_evaluator: Any = None,
        test_evaluator: Any = None,
        default_hooks: dict | None = None,
        custom_hooks: list | None = None,
        data_preprocessor: dict | None = None,
        load_from: str | None = None,
        resume: bool = False,
        launcher: str = "none",
        env_cfg: dict | None = None,
        log_processor: Any = None,
        log_level: int | str = "INFO",
        visualizer: Any = None,
        default_scope: str | None = "core",
        randomness: dict | None = None,
        experiment_name: str | None = None,
        cfg: Any = None,
    ) -> None:
        from treadle.config import Config

        self._work_dir = osp.abspath(os.fspath(work_dir))
        os.makedirs(self._work_dir, exist_ok=True)
        if cfg is None:
            cfg = Config({})
        elif not isinstance(cfg, Config):
            cfg = Config(dict(cfg))
        self.cfg = copy.deepcopy(cfg)  # the caller's later edits are not this run's config
        self._parts = dict(
            train_dataloader=train_dataloader, train_cfg=train_cfg, optim_wrapper=optim_wrapper,
            val_dataloader=val_dataloader, val_cfg=val_cfg, val_evaluator=val_evaluator,
            test_dataloader=test_dataloader, test_cfg=test_cfg, test_evaluator=test_evaluator,
        )  # fmt: skip
        self._check_parts(*_MODE_PARTS, partial_only=True)
        if param_scheduler is not None and optim_wrapper is None:
            raise ValueError(
                "param_scheduler is given but optim_wrapper is not: the schedulers adjust the "
                "optimizer's parameters; give optim_wrapper too, or drop param_scheduler"
            )
        self._train_dataloader, self._val_dataloader = train_dataloader, val_dataloader
        self._test_dataloader = test_dataloader
        train_cfg = dict(train_cfg) if train_cfg is not None else None
        self._nonfinite = train_cfg.pop(NONFINITE_KEY, "raise") if train_cfg else "raise"
        if self._nonfinite not in ("raise", "skip", "ignore"):
            raise ValueError(
                f"train_cfg.{NONFINITE_KEY}={self._nonfinite!r}; choose 'raise', 'skip' or 'ignore'"
            )
        self._train_loop, self._val_loop, self._test_loop = train_cfg, val_cfg, test_cfg
        self.optim_wrapper = optim_wrapper
        self.auto_scale_lr = auto_scale_lr
        self.param_schedulers = param_scheduler
        self._val_evaluator, self._test_evaluator = val_evaluator, test_evaluator
        self._load_from, self._resume, self._has_loaded = load_from, resume, False

        self._launcher = launcher
        self._env_cfg = dict(env_cfg or {})
        self.setup_env(self._env_cfg)
        self._distributed, self._rank, self._world_size = env.dist_state()
        self._randomness_cfg = dict(randomness or dict(seed=None))
        self.set_randomness(**self._randomness_cfg)
        self._timestamp = naming.shared_timestamp(self._distributed)
        experiment_name = naming.experiment_name(
            experiment_name, self.cfg.filename, self._timestamp
        )
        self._experiment_name = experiment_name
        self.default_scope = (  # None: no default scope, as MMEngine allows
            None
            if default_scope is None
            else DefaultScope.get_instance(experiment_name, scope_name=default_scope)
        )
        self._log_dir = osp.join(self._work_dir, self._timestamp)
        self.logger = self.build_logger(log_level=log_level)
        self.message_hub = self.build_message_hub()
        self.visualizer = self.build_visualizer(visualizer)
        if len(cfg):
            self.visualizer.add_config(cfg)
        self.log_processor = self.build_log_processor(log_processor)
        self._log_env()

        if isinstance(model, dict) and data_preprocessor is not None:
            model = dict(model)
            model.setdefault("data_preprocessor", data_preprocessor)
        built = self.build_model(model)
        self.model = self.wrap_model(cfg.get("model_wrapper_cfg"), built)
        if self.model is not built:
            self.logger.info(f"model wrapped in {type(self.model).__name__}")
        self._model_name = type(self._bare_model()).__name__
        self._dispatcher = HookDispatcher(on_error=self._log_hook_error)
        self.register_hooks(default_hooks, custom_hooks)
        self.logger.info(f"Hooks, in the order they run at each point:\n{self.get_hooks_info()}")
        self.dump_config()

    @classmethod
    def from_cfg(cls, cfg: Any) -> Runner:
        """A runner from a whole config; ``runner_type`` (a class, or a RUNNERS name looked
        up in the config's ``default_scope``) picks another runner class."""
        from treadle.config import Config

        cfg = copy.deepcopy(cfg) if isinstance(cfg, Config) else Config(dict(cfg))
        target = _runner_class(cfg.get("runner_type"), cfg.get("default_scope"))
        if target is not None and target is not cls:
            return target.from_cfg(cfg)
        keys = (
            "train_dataloader", "val_dataloader", "test_dataloader", "train_cfg", "val_cfg",
            "test_cfg", "auto_scale_lr", "optim_wrapper", "param_scheduler", "val_evaluator",
            "test_evaluator", "default_hooks", "custom_hooks", "data_preprocessor", "load_from",
            "log_processor", "visualizer", "experiment_name",
        )  # fmt: skip
        missing = [key for key in ("model", "work_dir") if cfg.get(key) is None]
        if missing:
            raise MissingPartsError(
                f"config {cfg.filename or '<dict>'} lacks {', '.join(missing)}; set work_dir "
                "in the config or with `treadle train --work-dir DIR`"
            )
        kwargs = {key: cfg.get(key) for key in keys}
        return cls(
            model=cfg["model"],
            work_dir=cfg["work_dir"],
            resume=cfg.get("resume", False),
            launcher=cfg.get("launcher", "none"),
            env_cfg=cfg.get("env_cfg"),
            log_level=cfg.get("log_level", "INFO"),
            default_scope=cfg.get("default_scope", "core"),
            randomness=cfg.get("randomness", dict(seed=None)),
            cfg=cfg,
            **kwargs,
        )

    # ----- set-up helpers -------------------------------------------------------------
    def _check_parts(self, *modes: str, partial_only: bool = False) -> None:
        """One error listing every mode whose parts are missing (all at once, not one by one).

        ``partial_only``: complain only about modes given in part (at construction a
        mode may be left out entirely).
        """
        problems = []
        for mode in modes:
            names = _MODE_PARTS[mode]
            missing = [name for name in names if self._parts[name] is None]
            if missing and not (partial_only and len(missing) == len(names)):
                problems.append(f"{mode} needs {', '.join(names)}; missing: {', '.join(missing)}")
        if problems:
            advice = (
                "add the missing parts to the config (see the README's 'Training with the Runner')"
            )
            if partial_only:
                advice += ", or leave out every part of a mode you do not run"
            raise MissingPartsError("; ".join(problems) + f". To fix it, {advice}.")

    def set_randomness(
        self, seed: int | None = None, diff_rank_seed: bool = False, deterministic: bool = False
    ) -> None:
        """Seed every RNG (MMEngine's ``randomness`` dict)."""
        self._deterministic = deterministic
        self._seed = env.set_random_seed(seed, deterministic, diff_rank_seed)

    def build_logger(self, log_level: int | str = "INFO", log_file: str | None = None, **kw: Any):
        """The run's ``MMLogger``, writing ``<log_dir>/<timestamp>.log``."""
        from treadle.logging import MMLogger

        log_file = log_file or osp.join(self._log_dir, f"{self._timestamp}.log")
        kw.setdefault("file_mode", "a")  # as MMEngine: a second runner appends, never truncates
        return MMLogger.get_instance(
            self._experiment_name, log_file=log_file, log_level=log_level, **kw
        )

    def build_message_hub(self, message_hub: dict | None = None) -> Any:
        """The run's ``MessageHub``: ``message_hub`` holds ``get_instance`` arguments, and
        its ``name`` defaults to the experiment's."""
        from treadle.logging import MessageHub

        if message_hub is None:
            message_hub = {}
        elif not isinstance(message_hub, dict):
            raise TypeError(
                f"message_hub must be a dict of MessageHub.get_instance arguments or None, "
                f"got {type(message_hub).__name__}"
            )
        cfg = {"name": self._experiment_name, **message_hub}
        return MessageHub.get_instance(**cfg)

    def build_visualizer(self, visualizer: Any = None) -> Any:
        """The run's ``Visualizer``: an object, a config dict, or None (a local backend
        writing to ``log_dir``); its ``name`` defaults to the experiment's."""
        return builders.build_visualizer(visualizer, self._experiment_name, self._log_dir)

    def build_log_processor(self, log_processor: Any) -> Any:
        """The ``LogProcessor``: an object, a config dict, or None (MMEngine's defaults)."""
        return builders.build_log_processor(log_processor)

    def setup_env(self, env_cfg: dict) -> None:
        """Apply ``env_cfg`` (``cudnn_benchmark``, ``mp_cfg``, ``dist_cfg``) and, with a
        launcher, join the process group. A custom runner may override this."""
        env.setup_env(env_cfg, self._launcher)

    def build_model(self, model: nn.Module | dict) -> nn.Module:
        """The model: an ``nn.Module`` as it is, or built from MODELS by its config dict."""
        return builders.build_model(model)

    def wrap_model(self, model_wrapper_cfg: dict | None, model: nn.Module) -> nn.Module:
        """``model`` on the current device and, in a distributed run, in its DDP wrapper
        (``model_wrapper_cfg`` picks another one from MODEL_WRAPPERS; without one, the
        config's top-level ``find_unused_parameters`` applies; ``sync_bn``: see
        :func:`~treadle.runner.builders.wrap_model`)."""
        return builders.wrap_model(
            model,
            model_wrapper_cfg,
            self._distributed,
            find_unused_parameters=self.cfg.get("find_unused_parameters", False),
            sync_bn=self.cfg.get("sync_bn"),
        )

    def _log_env(self) -> None:
        facts = env.describe(
            seed=self._seed,
            deterministic=self._deterministic,
            launcher=self._launcher,
            env_cfg=self._env_cfg,
            distributed=f"{self._distributed} (world size {self._world_size})",
        )
        self.logger.info("Environment:\n    " + "\n    ".join(facts))
        if len(self.cfg):
            self.logger.info(f"Config:\n{self.cfg.pretty_text}")

    def dump_config(self) -> None:
        """Write the config to ``work_dir`` (rank 0), named after its file or the timestamp."""
        if self._rank != 0 or not len(self.cfg):
            return
        name = osp.basename(self.cfg.filename) if self.cfg.filename else f"{self._timestamp}.py"
        self.cfg.dump(osp.join(self._work_dir, name))

    # ----- builders (MMEngine's Runner.build_* names) ------------------------------
    @staticmethod
    def build_dataloader(dataloader: Any, seed: int | None = None, diff_rank_seed: bool = False):
        """A ``DataLoader`` from an object or its config dict (static, as in MMEngine)."""
        return builders.build_dataloader(dataloader, seed=seed, diff_rank_seed=diff_rank_seed)

    def build_evaluator(self, evaluator: Any) -> Any:
        """An ``Evaluator`` from an object, a metric config, or a list of them."""
        return builders.build_evaluator(evaluator)

    def build_optim_wrapper(self, optim_wrapper: Any) -> Any:
        """The optimizer wrapper for ``self.model``."""
        return builders.build_optim_wrapper(self._bare_model(), optim_wrapper)

    def build_param_scheduler(self, scheduler: Any) -> list | dict:
        """The parameter schedulers of ``self.optim_wrapper``; without ``end`` a scheduler
        ends with training (once the train loop is built)."""
        loop = self._train_loop
        loop = loop if isinstance(loop, BaseLoop) else None
        return builders.build_param_schedulers(scheduler, self.optim_wrapper, loop)

    def build_train_loop(self, loop: Any) -> BaseLoop:
        """The train loop: ``by_epoch`` picks a built-in one, ``type`` one from LOOPS."""
        return builders.build_train_loop(self, loop, self._train_dataloader)

    def build_val_loop(self, loop: Any) -> BaseLoop:
        """The validation loop (``ValLoop`` unless ``type`` names another)."""
        return builders.build_eval_loop(
            self, loop, self._val_dataloader, self._val_evaluator, "val"
        )

    def build_test_loop(self, loop: Any) -> BaseLoop:
        """The test loop (``TestLoop`` unless ``type`` names another)."""
        return builders.build_eval_loop(
            self, loop, self._test_dataloader, self._test_evaluator, "test"
        )

    # ----- modes -------------------------------------------------------------------
    def train(self) -> nn.Module:
        """Train; returns the model."""
        from treadle.model.efficient_conv_bn_eval import maybe_fold_conv_bn
        from treadle.runner.activation_checkpointing import maybe_checkpoint_activations
        from treadle.runner.compile import maybe_compile
        from treadle.runner.loss_guard import guard_nonfinite_loss

        self._check_parts("train")
        self._train_loop = self.build_train_loop(self._train_loop)
        self.optim_wrapper = self.build_optim_wrapper(self.optim_wrapper)
        self.scale_lr(self.optim_wrapper, self.auto_scale_lr)
        if self.param_schedulers is not None:
            self.param_schedulers = self.build_param_scheduler(self.param_schedulers)
        if self._val_loop is not None:
            self._val_loop = self.build_val_loop(self._val_loop)
        self.call_hook("before_run")
        self._init_model_weights()
        maybe_checkpoint_activations(
            self._bare_model(), self.cfg.get("activation_checkpointing"), self.logger
        )
        maybe_fold_conv_bn(self._bare_model(), self.cfg.get("efficient_conv_bn_eval"), self.logger)
        self.load_or_resume()
        self.optim_wrapper.initialize_count_status(
            self.model, self._train_loop.iter, self._train_loop.max_iters
        )
        maybe_compile(self.model, self.cfg.get("compile"), self.logger)  # after wrapping
        with guard_nonfinite_loss(self, self._nonfinite):
            model = self._train_loop.run()
        self.call_hook("after_run")
        return model

    def val(self) -> dict:
        """Validate; returns the metrics."""
        self._check_parts("val")
        self._val_loop = self.build_val_loop(self._val_loop)
        self.call_hook("before_run")
        self.load_or_resume()
        metrics = self._val_loop.run()
        self.call_hook("after_run")
        return metrics

    def test(self) -> dict:
        """Test; returns the metrics."""
        self._check_parts("test")
        self._test_loop = self.build_test_loop(self._test_loop)
        self.call_hook("before_run")
        self.load_or_resume()
        metrics = self._test_loop.run()
        self.call_hook("after_run")
        return metrics

    def _init_model_weights(self) -> None:
        """``init_weights()``, then rank 0's weights to every rank (as MMEngine): ranks that
        drew differently (``diff_rank_seed``) would stay apart, as DDP syncs only at wrap."""
        model = self._bare_model()
        if hasattr(model, "init_weights"):
            model.init_weights()
            if self._distributed and not is_sharded(self.model):
                from treadle.dist import broadcast

                for value in model.state_dict().values():
                    broadcast(value)

    def scale_lr(self, optim_wrapper: Any, auto_scale_lr: dict | None = None) -> None:
        """Scale the learning rates by real batch size / ``base_batch_size`` when enabled."""
        if auto_scale_lr and auto_scale_lr.get("enable", False):
            real = self._world_size * builders.batch_size_of(self.train_dataloader)
            builders.scale_lr(optim_wrapper, auto_scale_lr, real)

    # ----- attributes hooks rely on ----------------------------------------------------
    @property
    def train_loop(self) -> BaseLoop | None:
        if self._train_loop is not None and not isinstance(self._train_loop, BaseLoop):
            self._train_loop = self.build_train_loop(self._train_loop)
        return self._train_loop

    @property
    def val_loop(self) -> BaseLoop | None:
        if self._val_loop is not None and not isinstance(self._val_loop, BaseLoop):
            self._val_loop = self.build_val_loop(self._val_loop)
        return self._val_loop

    @property
    def test_loop(self) -> BaseLoop | None:
        if self._test_loop is not None and not isinstance(self._test_loop, BaseLoop):
            self._test_loop = self.build_test_loop(self._test_loop)
        return self._test_loop

    @property
    def train_dataloader(self) -> Any:
        return self.train_loop.dataloader

    @property
    def val_dataloader(self) -> Any:
        return self.val_loop.dataloader

    @property
    def test_dataloader(self) -> Any:
        return self.test_loop.dataloader

    # hooks read these every iteration: a built loop is used without the train_loop property
    @property
    def epoch(self) -> int:
        loop = self._train_loop
        return (loop if isinstance(loop, BaseLoop) else self.train_loop).epoch

    @property
    def iter(self) -> int:
        loop = self._train_loop
        if getattr(type(loop), "iter", None) is _LOOP_ITER:  # ours: its counter, no 2nd call
            return loop._iter
        return (loop if isinstance(loop, BaseLoop) else self.train_loop).iter

    @property
    def max_epochs(self) -> int:
        loop = self._train_loop
        return (loop if isinstance(loop, BaseLoop) else self.train_loop).max_epochs

    @property
    def max_iters(self) -> int:
        loop = self._train_loop
        return (loop if isinstance(loop, BaseLoop) else self.train_loop).max_iters

    @property
    def val_evaluator(self) -> Any:
        """The validation loop's evaluator (building the loop if needed)."""
        return self._loop_or_error("val").evaluator

    @property
    def test_evaluator(self) -> Any:
        """The test loop's evaluator (building the loop if needed)."""
        return self._loop_or_error("test").evaluator

    @property
    def val_interval(self) -> int:
        """Validate every this many epochs (iterations for an iteration-based loop)."""
        return self._loop_or_error("train").val_interval

    @property
    def val_begin(self) -> int:
        """The first epoch (or iteration) after which validation runs."""
        return self._loop_or_error("train").val_begin

    def _loop_or_error(self, mode: str) -> BaseLoop:
        loop = getattr(self, f"{mode}_loop")
        if loop is None:
            raise AttributeError(
                f"this runner has no {mode} loop; give it {', '.join(_MODE_PARTS[mode])}"
            )
        return loop

    work_dir = property(lambda self: self._work_dir)
    model_name = property(lambda self: self._model_name)
    log_dir = property(lambda self: self._log_dir)
    timestamp = property(lambda self: self._timestamp)
    experiment_name = property(lambda self: self._experiment_name)
    seed = property(lambda self: self._seed)
    deterministic = property(lambda self: self._deterministic)
    rank = property(lambda self: self._rank)
    world_size = property(lambda self: self._world_size)
    distributed = property(lambda self: self._distributed)
    launcher = property(lambda self: self._launcher)
