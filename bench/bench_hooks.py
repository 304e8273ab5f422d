"""Budget of ``treadle.hooks`` dispatch (issue 6): a hook point no hook overrides costs
<= 0.5x what MMEngine's ``call_hook`` loop spends on it, and a point every hook overrides
costs <= 1.3x a bare loop forwarding the same keyword arguments to the bound methods.

Both sides use the same eight hooks (the six default hooks' shape: plain ``Hook``
subclasses). MMEngine's loop calls ``getattr(hook, point)(runner, **kwargs)`` on every
hook, no-op or not; ``HookDispatcher.call`` looks up the precomputed list of the hooks
that override the point. Sides are timed in alternating rounds, each keeping its best.
"""

from __future__ import annotations

from common import best_per_call, finish, report

from treadle.hooks import Hook, HookDispatcher

HOOKS_N = 8
NUMBER = 20_000
ROUNDS = 9


class Busy(Hook):
    """Overrides the iteration point with a method that does (almost) nothing."""

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        return None


def mmengine_call_hook(hooks: list, point: str, runner: object, **kwargs: object) -> None:
    for hook in hooks:
        if hasattr(hook, point):
            getattr(hook, point)(runner, **kwargs)


def main() -> None:
    hooks = [Busy() for _ in range(HOOKS_N)]
    dispatcher = HookDispatcher(hooks)
    methods = [hook.after_train_iter for hook in hooks]
    runner = object()
    idle_old = idle_new = busy_bare = busy_new = float("inf")
    for _ in range(ROUNDS):
        idle_old = min(
            idle_old,
            best_per_call(
                lambda: mmengine_call_hook(hooks, "before_val_iter", runner, batch_idx=0), NUMBER, 1
            ),
        )
        idle_new = min(
            idle_new,
            best_per_call(
                lambda: dispatcher.call("before_val_iter", runner, batch_idx=0), NUMBER, 1
            ),
        )

        def bare(**kwargs: object) -> None:
            for method in methods:
                method(runner, **kwargs)

        busy_bare = min(busy_bare, best_per_call(lambda: bare(batch_idx=0), NUMBER, 1))
        busy_new = min(
            busy_new,
            best_per_call(
                lambda: dispatcher.call("after_train_iter", runner, batch_idx=0), NUMBER, 1
            ),
        )
    print(
        f"idle point: dispatcher {idle_new * 1e9:.0f} ns, MMEngine-style loop "
        f"{idle_old * 1e9:.0f} ns; busy point: dispatcher {busy_new * 1e9:.0f} ns, bare loop "
        f"{busy_bare * 1e9:.0f} ns ({HOOKS_N} hooks)"
    )
    report("hooks: idle point vs MMEngine-style call_hook", idle_new / idle_old, 0.5, "x")
    report("hooks: busy point vs a bare loop over methods", busy_new / busy_bare, 1.3, "x")
    finish()


if __name__ == "__main__":
    main()
