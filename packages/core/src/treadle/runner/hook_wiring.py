"""The Runner's hook side: registering hooks and dispatching their points.

Hooks live in a :class:`~treadle.hooks.dispatch.HookDispatcher` (``self._dispatcher``,
made by the runner). The train loops call the per-iteration points straight from the
dispatcher's table, without ``call_hook`` frames, unless ``call_hook`` is overridden in a
subclass or replaced on the runner (MMEngine's extension point): then they call it.
"""

from __future__ import annotations

import copy
from typing import Any

from treadle.hooks.dispatch import HookDispatcher, HookError
from treadle.registry import HOOKS
from treadle.runner.loops import _TrainLoopBase

#: MMEngine's default hooks, in ``default_hooks`` keys
_DEFAULT_HOOKS = dict(
    runtime_info=dict(type="RuntimeInfoHook"),
    timer=dict(type="IterTimerHook"),
    sampler_seed=dict(type="DistSamplerSeedHook"),
    logger=dict(type="LoggerHook"),
    param_scheduler=dict(type="ParamSchedulerHook"),
    checkpoint=dict(type="CheckpointHook", interval=1),
)


class HookWiringMixin:
    """``register_hook``/``register_hooks``, ``call_hook`` and ``get_hooks_info``."""

    _dispatcher: HookDispatcher
    logger: Any

    def register_hook(self, hook: Any, priority: int | str | None = None) -> None:
        """Add a hook object or config dict; ``priority`` here wins over one in the dict
        (MMEngine's order)."""
        if isinstance(hook, dict):
            cfg = dict(hook)
            in_cfg = cfg.pop("priority", None)
            priority = priority if priority is not None else in_cfg
            hook = HOOKS.build(cfg)
        self._dispatcher.register(hook, priority)

    def register_default_hooks(self, hooks: dict | None = None) -> None:
        """The six default hooks, each replaced by ``hooks[name]`` or dropped when None."""
        merged = copy.deepcopy(_DEFAULT_HOOKS)
        if hooks:
            merged.update(dict(hooks))
        for hook in merged.values():
            if hook is not None:
                self.register_hook(hook)

    def register_custom_hooks(self, hooks: list | None) -> None:
        """Add each of ``hooks``."""
        for hook in hooks or []:
            self.register_hook(hook)

    def register_hooks(self, default_hooks: dict | None = None, custom_hooks: list | None = None):
        """Default hooks first, then custom hooks; priorities decide the calling order."""
        self.register_default_hooks(default_hooks)
        self.register_custom_hooks(custom_hooks)

    @property
    def hooks(self) -> list:
        """The registered hooks, in calling order."""
        return self._dispatcher.hooks

    def get_hooks_info(self) -> str:
        """The hooks at each point with their priorities."""
        return self._dispatcher.info()

    def call_hook(self, fn_name: str, **kwargs: Any) -> None:
        """Call ``fn_name`` on the hooks that implement it; a failure is logged (and the log
        flushed) before it propagates."""
        self._dispatcher.call(fn_name, self, **kwargs)

    def _iteration_hooks(self) -> HookDispatcher | None:
        """The dispatcher, for loops that call the per-iteration points from its table
        themselves; ``None`` when ``call_hook`` is overridden in a subclass or replaced on
        this runner (loops then call it)."""
        if type(self).call_hook is not HookWiringMixin.call_hook or "call_hook" in self.__dict__:
            return None
        return self._dispatcher

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name == "call_hook":  # replaced on this runner: a built train loop calls it too
            self._rebind_iteration_hooks()

    def __delattr__(self, name: str) -> None:
        super().__delattr__(name)
        if name == "call_hook":
            self._rebind_iteration_hooks()

    def _rebind_iteration_hooks(self) -> None:
        loop = self.__dict__.get("_train_loop")
        if isinstance(loop, _TrainLoopBase):
            loop._hooks = self._iteration_hooks()

    def _log_hook_error(self, error: HookError) -> None:
        self.logger.error(str(error))
        for handler in self.logger.handlers:
            handler.flush()
