"""``HookDispatcher``: call each hook point on just the hooks that act there, in priority order.

The per-point tables are built when hooks are registered, so calling a point no
hook overrides is one dict lookup and an empty loop. A hook that raises is named
(class, priority, point) in a :class:`HookError` chained to the original error; a
``HookError`` from a point nested in another hook's call passes through unchanged.
"""

from __future__ import annotations

from treadle.hooks.hook import Hook
from treadle.hooks.priority import Priority, get_priority

TYPE_CHECKING = False  # typing is not imported at runtime: import cost
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any, NoReturn


class HookError(RuntimeError):
    """A hook raised at a hook point; ``hook``, ``point`` and ``__cause__`` say which and why."""

    def __init__(self, hook: object, point: str, error: BaseException) -> None:
        self.hook = hook
        self.point = point
        super().__init__(
            f"hook {type(hook).__name__} (priority {_priority_name(hook)}) raised in {point}: "
            f"{type(error).__name__}: {error}"
        )


class HookDispatcher:
    """Hooks sorted by priority (stable: equal priorities keep registration order).

    Args:
        hooks: initial hooks, registered in order with their own ``priority``.
        on_error: called with each :class:`HookError` before it propagates, once even
            when points nest (the runner logs it and flushes its log files there).
    """

    def __init__(
        self,
        hooks: Iterable[object] = (),
        on_error: Callable[[HookError], None] | None = None,
    ) -> None:
        self._on_error = on_error
        self._hooks: list[object] = []
        self._table: dict[str, tuple[tuple[object, Callable[..., Any]], ...]] = {}
        for hook in hooks:
            self._insert(hook, None)
        self._rebuild()

    @property
    def hooks(self) -> list[object]:
        """The registered hooks, in calling order (a copy)."""
        return list(self._hooks)

    def register(self, hook: object | dict, priority: int | str | Priority | None = None) -> object:
        """Add ``hook`` (an object, or a config dict built through ``HOOKS``) and return it.

        As MMEngine's ``Runner.register_hook``: a ``priority`` key of the config, and then
        the ``priority`` argument, replace the hook's own ``priority``.
        """
        if isinstance(hook, dict):
            from treadle.registry import HOOKS

            cfg = dict(hook)
            if priority is None:
                priority = cfg.pop("priority", None)
            else:
                cfg.pop("priority", None)
            hook = HOOKS.build(cfg)
        self._insert(hook, priority)
        self._rebuild()
        return hook

    def has(self, point: str) -> bool:
        """Whether any hook acts at ``point`` (lets a loop skip building arguments)."""
        return bool(self._entries(point))

    @property
    def table(self) -> dict[str, tuple[tuple[object, Callable[..., Any]], ...]]:
        """``{point: ((hook, bound method), ...)}`` for the 22 points, in calling order.

        The same dict for the dispatcher's life (registering updates it in place), so a
        loop may keep it and call a point's methods itself, passing what they raise to
        :meth:`fail`.
        """
        return self._table

    def call(self, point: str, runner: Any, **kwargs: Any) -> None:
        """Call ``point`` on every hook acting there, in order, with ``runner`` and ``kwargs``."""
        entries = self._table.get(point)
        if entries is None:
            entries = self._entries(point)
        hook = None
        try:  # one try around the loop: the failing hook is the loop variable's last value
            for hook, method in entries:  # noqa: B007
                method(runner, **kwargs)
        except Exception as error:
            self.fail(hook, point, error)

    def fail(self, hook: object, point: str, error: Exception) -> NoReturn:
        """Raise for ``error`` from ``hook`` at ``point``: a :class:`HookError` naming them
        (after ``on_error``), or -- for a point called inside another hook's call, whose
        error already names the hook at fault -- the inner ``HookError`` with a note."""
        if isinstance(error, HookError):
            error.add_note(f"(while {type(hook).__name__} ran {point})")
            raise error
        hook_error = HookError(hook, point, error)
        if self._on_error is not None:
            self._on_error(hook_error)
        raise hook_error from error

    def info(self) -> str:
        """One block per point: the hooks called there with their priorities (for the log)."""
        lines = []
        for point in Hook.stages:
            entries = self._table[point]
            if entries:
                lines.append(f"{point}:")
                lines += [f"({_priority_name(h):<12}) {type(h).__name__}" for h, _ in entries]
                lines.append("-" * 20)
        return "\n".join(lines)

    def _insert(self, hook: object, priority: int | str | Priority | None) -> None:
        if priority is not None:
            get_priority(priority)  # validate before changing the hook
            hook.priority = priority  # type: ignore[attr-defined]
        value = get_priority(getattr(hook, "priority", "NORMAL"))
        index = len(self._hooks)
        while (
            index > 0
            and get_priority(getattr(self._hooks[index - 1], "priority", "NORMAL")) > value
        ):
            index -= 1
        self._hooks.insert(index, hook)

    def _rebuild(self) -> None:
        triggered = {
            id(hook): set(hook.get_triggered_stages())
            for hook in self._hooks
            if isinstance(hook, Hook)
        }
        self._table.clear()  # in place: loops may hold the table
        for point in Hook.stages:
            self._table[point] = tuple(
                (hook, getattr(hook, point))
                for hook in self._hooks
                if point in triggered.get(id(hook), ())
                or (not isinstance(hook, Hook) and callable(getattr(hook, point, None)))
            )

    def _entries(self, point: str) -> tuple[tuple[object, Callable[..., Any]], ...]:
        entries = self._table.get(point)
        if entries is None:  # a point outside the 22 (a custom loop's): scan once
            entries = self._table[point] = self._scan(point)
        return entries

    def _scan(self, point: str) -> tuple[tuple[object, Callable[..., Any]], ...]:
        methods = ((hook, getattr(hook, point, None)) for hook in self._hooks)
        return tuple((hook, method) for hook, method in methods if callable(method))


def _priority_name(hook: object) -> str:
    value = get_priority(getattr(hook, "priority", "NORMAL"))
    try:
        return Priority(value).name
    except ValueError:
        return str(value)
