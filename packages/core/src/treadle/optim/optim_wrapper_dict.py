"""``OptimWrapperDict``: several named optimizer wrappers (e.g. generator and discriminator).

It does not update parameters by itself: call the wrapper you need
(``wrappers['generator']``); only ``zero_grad`` acts on all of them.
It gathers the wrappers' state dicts, learning rates and momenta under their names.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from torch import nn

from treadle.optim.optim_wrapper import OptimWrapper


def _not_here(method: str) -> NotImplementedError:
    return NotImplementedError(
        f"OptimWrapperDict.{method}() is ambiguous: it holds several optimizer wrappers. "
        f"Call it on one of them, e.g. optim_wrapper['generator'].{method}(...)"
    )


class OptimWrapperDict(OptimWrapper):
    """A mapping from names to :class:`OptimWrapper` objects.

    ``OptimWrapperDict(generator=OptimWrapper(...), discriminator=OptimWrapper(...))``.
    It subclasses :class:`OptimWrapper`, as in MMEngine, so code that accepts "an optim
    wrapper" accepts it; the update methods refuse to guess which wrapper is meant.
    """

    def __init__(self, **optim_wrapper_dict: OptimWrapper) -> None:  # no super(): no optimizer
        for name, wrapper in optim_wrapper_dict.items():
            if not isinstance(wrapper, OptimWrapper):
                raise TypeError(
                    f"OptimWrapperDict values must be OptimWrapper instances, but {name!r} is "
                    f"{type(wrapper).__name__}: wrap the optimizer with OptimWrapper(optimizer)"
                )
        self.optim_wrappers: dict[str, OptimWrapper] = dict(optim_wrapper_dict)

    def update_params(self, *args: Any, **kwargs: Any) -> None:
        raise _not_here("update_params")

    def backward(self, *args: Any, **kwargs: Any) -> None:
        raise _not_here("backward")

    def step(self, *args: Any, **kwargs: Any) -> None:
        raise _not_here("step")

    def zero_grad(self, **kwargs: Any) -> None:
        """Zero the gradients of every wrapper (unambiguous, unlike the other updates)."""
        for wrapper in self.optim_wrappers.values():
            wrapper.zero_grad(**kwargs)

    def optim_context(self, model: nn.Module) -> Any:
        raise _not_here("optim_context")

    def scale_loss(self, loss: Any) -> Any:
        raise _not_here("scale_loss")

    def should_update(self) -> bool:
        raise _not_here("should_update")

    def should_sync(self) -> bool:
        raise _not_here("should_sync")

    def initialize_count_status(self, model: nn.Module, init_counts: int, max_counts: int) -> None:
        """Forward to every wrapper (see :meth:`OptimWrapper.initialize_count_status`)."""
        for wrapper in self.optim_wrappers.values():
            wrapper.initialize_count_status(model, init_counts, max_counts)

    @property
    def param_groups(self) -> dict[str, list[dict[str, Any]]]:  # type: ignore[override]
        """Each wrapper's param groups, by name."""
        return {name: w.param_groups for name, w in self.optim_wrappers.items()}

    @property
    def defaults(self) -> dict[str, dict[str, Any]]:  # type: ignore[override]
        """Each wrapper's optimizer defaults, by name."""
        return {name: w.defaults for name, w in self.optim_wrappers.items()}

    def get_lr(self) -> dict[str, list[float]]:
        """``{'<name>.lr': [...]}`` (and ``'<name>.base_lr'``) for every wrapper."""
        return {
            f"{name}.{key}": value
            for name, w in self.optim_wrappers.items()
            for key, value in w.get_lr().items()
        }

    def get_momentum(self) -> dict[str, list[float]]:
        """``{'<name>.momentum': [...]}`` for every wrapper."""
        return {
            f"{name}.{key}": value
            for name, w in self.optim_wrappers.items()
            for key, value in w.get_momentum().items()
        }

    def state_dict(self) -> dict[str, Any]:
        """``{name: wrapper.state_dict()}``."""
        return {name: w.state_dict() for name, w in self.optim_wrappers.items()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load each named entry into the wrapper of that name."""
        unknown = [name for name in state_dict if name not in self.optim_wrappers]
        if unknown:
            raise KeyError(
                f"state_dict has entries {unknown} that name no wrapper in this "
                f"OptimWrapperDict (it holds {list(self.optim_wrappers)})"
            )
        for name, state in state_dict.items():
            self.optim_wrappers[name].load_state_dict(state)

    def items(self) -> Iterator[tuple[str, OptimWrapper]]:
        yield from self.optim_wrappers.items()

    def values(self) -> Iterator[OptimWrapper]:
        yield from self.optim_wrappers.values()

    def keys(self) -> Iterator[str]:
        yield from self.optim_wrappers.keys()

    def __getitem__(self, key: str) -> OptimWrapper:
        if key not in self.optim_wrappers:
            raise KeyError(
                f"no optimizer wrapper named {key!r}; this OptimWrapperDict holds "
                f"{list(self.optim_wrappers)}"
            )
        return self.optim_wrappers[key]

    def __contains__(self, key: object) -> bool:
        return key in self.optim_wrappers

    def __len__(self) -> int:
        return len(self.optim_wrappers)

    def __iter__(self) -> Iterator[str]:
        return iter(self.optim_wrappers)

    def __repr__(self) -> str:
        body = "".join(f"\n  {name}: {w!r}" for name, w in self.optim_wrappers.items())
        return f"OptimWrapperDict({body}\n)"
