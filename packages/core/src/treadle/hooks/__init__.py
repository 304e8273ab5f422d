"""Runner hooks: the ``Hook`` base, priorities, dispatch, and the built-in hooks.

Lazy (PEP 562): ``from treadle.hooks import Hook`` imports neither torch nor the
built-in hooks, so plugins can subclass ``Hook`` cheaply. Each built-in hook lives
in its own module and registers itself in ``HOOKS``, which imports them on first
lookup (its ``locations`` in ``treadle.registry.root``).
"""

from __future__ import annotations

from treadle.utils.lazy import lazy_exports

#: hook class name -> module defining (and registering) it
_HOOK_CLASSES = {
    "RuntimeInfoHook": "treadle.hooks.runtime_info_hook",
    "IterTimerHook": "treadle.hooks.iter_timer_hook",
    "DistSamplerSeedHook": "treadle.hooks.sampler_seed_hook",
    "LoggerHook": "treadle.hooks.logger_hook",
    "ParamSchedulerHook": "treadle.hooks.param_scheduler_hook",
    "CheckpointHook": "treadle.hooks.checkpoint_hook",
    "EMAHook": "treadle.hooks.ema_hook",
    "EmptyCacheHook": "treadle.hooks.empty_cache_hook",
    "SyncBuffersHook": "treadle.hooks.sync_buffer_hook",
    "EarlyStoppingHook": "treadle.hooks.early_stopping_hook",
    "ProfilerHook": "treadle.hooks.profiler_hook",
    "PrepareTTAHook": "treadle.hooks.test_time_aug_hook",
}

_LAZY = {
    "Hook": "treadle.hooks.hook",
    "Priority": "treadle.hooks.priority",
    "get_priority": "treadle.hooks.priority",
    "HookDispatcher": "treadle.hooks.dispatch",
    "HookError": "treadle.hooks.dispatch",
    **_HOOK_CLASSES,
    "build_runner_with_tta": "treadle.hooks.test_time_aug_hook",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
