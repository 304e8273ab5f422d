"""Registry helpers MMEngine users call directly."""

from __future__ import annotations

import itertools
import warnings

from treadle.registry.default_scope import DefaultScope

_switches = itertools.count()


def init_default_scope(scope: str) -> None:
    """Make ``scope`` the default scope, as tools and inferencers do before building.

    Creates the instance named ``scope`` the first time; if another scope is current
    later, a new instance takes over (with a warning) rather than silently staying.
    """
    current = DefaultScope.get_current_instance()
    if current is None or not DefaultScope.check_instance_created(scope):
        DefaultScope.get_instance(scope, scope_name=scope)
        return
    if current.scope_name != scope:
        warnings.warn(
            f"the current default scope {current.scope_name!r} is not {scope!r}; "
            f"switching the default scope to {scope!r}",
            stacklevel=2,
        )
        DefaultScope.get_instance(f"{scope}-{next(_switches)}", scope_name=scope)
