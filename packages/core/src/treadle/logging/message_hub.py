"""``MessageHub``: scalars (as ``HistoryBuffer``) and runtime info shared between components.

Any component reaches the runner's hub with ``MessageHub.get_current_instance()``.
``state_dict()`` holds only plain Python values and tensors, so a checkpoint that
contains it loads with ``torch.load(weights_only=True)``.

Per-iteration code (the default hooks) may append values to
``pending_scalars[key]`` instead of calling ``update_scalar(key, value)``, and set
``pending_infos[key] = value`` instead of calling ``update_info``: a list append or
a dict store costs no Python call. The hub folds them in (as resumed keys, scalars
with count 1, in order) before anything reads or updates its scalars or infos, so
every reader sees the same hub either way.
"""

from __future__ import annotations

import copy
import logging
from collections import OrderedDict, defaultdict
from typing import Any

from treadle.logging.history_buffer import HistoryBuffer
from treadle.utils.manager import ManagerMixin

_PLAIN = (str, bytes, int, float, bool, complex, type(None))
#: pending values of one key after which the code appending them should call fold_pending
#: (a run where nothing reads the hub must not grow them without bound)
PENDING_LIMIT = 4096
_UNSET = object()


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def _is_numpy(value: Any) -> bool:
    return type(value).__module__ == "numpy"


def _plain(value: Any) -> Any:
    """A copy of ``value`` made of what a weights-only checkpoint can hold.

    numpy scalars become Python numbers and numpy arrays lists; anything else
    that is not plain raises ``TypeError``.
    """
    if isinstance(value, _PLAIN):
        return value
    if _is_tensor(value):
        return value.detach().clone()
    if _is_numpy(value):
        return value.tolist() if hasattr(value, "tolist") else value.item()
    if isinstance(value, dict):
        items = ((_plain(k), _plain(v)) for k, v in value.items())
        return OrderedDict(items) if isinstance(value, OrderedDict) else dict(items)
    if isinstance(value, (list, tuple, set, frozenset)):
        kind = type(value) if type(value) in (list, tuple, set, frozenset) else list
        return kind(_plain(v) for v in value)
    raise TypeError(f"a {type(value).__module__}.{type(value).__qualname__} object")


def _scalar(key: str, value: Any) -> int | float:
    """``value`` as a Python number: one-element tensors and arrays are unwrapped."""
    if isinstance(value, (int, float)):
        return value
    tensor = _is_tensor(value)
    if tensor or _is_numpy(value):
        size = value.numel() if tensor else value.size
        if size != 1:
            raise ValueError(
                f"MessageHub scalar {key!r} must hold one number, got a tensor/array of "
                f"{size} elements; log a reduced value (e.g. .mean())"
            )
        return value.item()
    raise TypeError(
        f"MessageHub scalar {key!r} must be a number or a one-element tensor/array, got "
        f"{type(value).__name__}; store other values with update_info()"
    )


class MessageHub(ManagerMixin):
    """Named store of logged scalars and runtime information.

    Args:
        name: instance name.
        log_scalars: initial ``{key: HistoryBuffer}``.
        runtime_info: initial ``{key: value}``.
        resumed_keys: ``{key: bool}``: which keys ``state_dict`` saves.
    """

    def __init__(
        self,
        name: str,
        log_scalars: dict[str, HistoryBuffer] | None = None,
        runtime_info: dict[str, Any] | None = None,
        resumed_keys: dict[str, bool] | None = None,
    ) -> None:
        super().__init__(name)
        #: ``{key: [values]}``: scalar updates not yet folded into the histories (see the
        #: module docstring); the same dict for the hub's life
        self.pending_scalars: defaultdict[str, list[Any]] = defaultdict(list)
        #: ``{key: value}`` info updates not yet folded in (the same dict for the hub's life)
        self.pending_infos: dict[str, Any] = {}
        self._log_scalars = self._parse("log_scalars", log_scalars)
        self._runtime_info = self._parse("runtime_info", runtime_info)
        self._resumed_keys = self._parse("resumed_keys", resumed_keys)
        for key, value in self._log_scalars.items():
            if not isinstance(value, HistoryBuffer):
                raise TypeError(
                    f"MessageHub log_scalars[{key!r}] must be a HistoryBuffer, "
                    f"got {type(value).__name__}"
                )
        for key in self._resumed_keys:
            if key not in self._log_scalars and key not in self._runtime_info:
                raise KeyError(
                    f"MessageHub resumed_keys names {key!r}, which is neither in log_scalars "
                    "nor in runtime_info"
                )

    @staticmethod
    def _parse(name: str, value: dict | None) -> OrderedDict:
        if value is None:
            return OrderedDict()
        if not isinstance(value, dict):
            raise TypeError(f"MessageHub {name} must be a dict, got {type(value).__name__}")
        return OrderedDict(value)

    @classmethod
    def get_current_instance(cls) -> MessageHub:
        """The most recently created hub; one named ``'treadle'`` is made if none exists."""
        if not cls._instance_dict:
            cls.get_instance("treadle")
        return super().get_current_instance()

    def _set_resumed(self, key: str, resumed: bool) -> None:
        previous = self._resumed_keys.setdefault(key, resumed)
        if previous != resumed:
            raise ValueError(
                f"MessageHub key {key!r} was first updated with resumed={previous} and now "
                f"with resumed={resumed}; a key is either saved in checkpoints or not"
            )

    def fold_pending(self) -> None:
        """Fold ``pending_scalars`` into the histories (each with count 1, resumed).

        Key by key: a key whose values cannot be stored (a tensor of several elements,
        a key kept with ``resumed=False``) raises as ``update_scalar`` would, and its
        pending values are dropped; the other keys stay pending until the next read.
        """
        pending = self.pending_scalars
        for key in list(pending):
            values = pending.pop(key)
            if not values:
                continue
            buffer = self._log_scalars.get(key)
            if buffer is None or self._resumed_keys.get(key) is not True:
                self._update_scalar(key, values[0], 1, True)  # creates / checks the key
                buffer = self._log_scalars[key]
                values = values[1:]
            if values:
                if set(map(type, values)) != {float}:  # numbers of other kinds, tensors
                    values = [_scalar(key, v) for v in values]
                buffer.extend(values)

    def update_scalar(self, key: str, value: Any, count: int = 1, resumed: bool = True) -> None:
        """Append ``value`` (with ``count``) to the history of ``key``."""
        if self.pending_scalars:  # the earlier updates first
            self.fold_pending()
        self._update_scalar(key, value, count, resumed)

    def _update_scalar(self, key: str, value: Any, count: int, resumed: bool) -> None:
        # the common case (a known key, a float value, an int count) skips the checks' calls
        if self._resumed_keys.get(key, _UNSET) != resumed:
            self._set_resumed(key, resumed)
        if type(value) is not float:
            value = _scalar(key, value)
        if type(count) is not int:
            count = _scalar(f"{key} (count)", count)
            if not isinstance(count, int):
                raise TypeError(f"MessageHub count for {key!r} must be an int, got {count!r}")
        buffer = self._log_scalars.get(key)
        if buffer is None:
            self._log_scalars[key] = HistoryBuffer([value], [count])
        else:
            buffer.update(value, count)

    def update_scalars(self, log_dict: dict[str, Any], resumed: bool = True) -> None:
        """``update_scalar`` for each item; a value may be ``dict(value=v, count=n)``."""
        if not isinstance(log_dict, dict):
            raise TypeError(f"update_scalars takes a dict, got {type(log_dict).__name__}")
        for key, item in log_dict.items():
            if isinstance(item, dict):
                if "value" not in item:
                    raise KeyError(
                        f"update_scalars: {key!r} is a dict without 'value'; "
                        "use dict(value=..., count=...)"
                    )
                self.update_scalar(key, item["value"], item.get("count", 1), resumed)
            else:
                self.update_scalar(key, item, 1, resumed)

    def fold_pending_infos(self) -> None:
        """Fold ``pending_infos`` into the runtime information (as resumed keys); a key kept
        with ``resumed=False`` raises as ``update_info`` would, and its pending value is
        dropped."""
        pending = self.pending_infos
        for key in list(pending):
            value = pending.pop(key)
            if self._resumed_keys.get(key, _UNSET) is not True:
                self._set_resumed(key, True)
            self._runtime_info[key] = value

    def update_info(self, key: str, value: Any, resumed: bool = True) -> None:
        """Set runtime information ``key`` (overwriting the previous value)."""
        if self.pending_infos:
            self.fold_pending_infos()
        if self._resumed_keys.get(key, _UNSET) != resumed:
            self._set_resumed(key, resumed)
        self._runtime_info[key] = value

    def update_info_dict(self, info_dict: dict[str, Any], resumed: bool = True) -> None:
        """``update_info`` for each item."""
        if not isinstance(info_dict, dict):
            raise TypeError(f"update_info_dict takes a dict, got {type(info_dict).__name__}")
        for key, value in info_dict.items():
            self.update_info(key, value, resumed)

    def pop_info(self, key: str, default: Any = None) -> Any:
        """Remove and return runtime information ``key`` (``default`` if absent)."""
        if self.pending_infos:
            self.fold_pending_infos()
        return self._runtime_info.pop(key, default)

    @property
    def log_scalars(self) -> OrderedDict:
        """``{key: HistoryBuffer}`` of every logged scalar."""
        if self.pending_scalars:
            self.fold_pending()
        return self._log_scalars

    @property
    def runtime_info(self) -> OrderedDict:
        """``{key: value}`` of the runtime information."""
        if self.pending_infos:
            self.fold_pending_infos()
        return self._runtime_info

    def get_scalar(self, key: str) -> HistoryBuffer:
        """The history of ``key``."""
        if self.pending_scalars:
            self.fold_pending()
        buffer = self._log_scalars.get(key)
        if buffer is None:
            raise KeyError(
                f"{key!r} is not a scalar of MessageHub {self.instance_name!r}; "
                f"logged scalars: {list(self._log_scalars)}"
            )
        return buffer

    def get_info(self, key: str, default: Any = None) -> Any:
        """Runtime information ``key`` (``default`` if absent)."""
        if self.pending_infos:
            self.fold_pending_infos()
        return self._runtime_info.get(key, default)

    def state_dict(self) -> dict[str, Any]:
        """The resumable scalars and info as plain values (weights-only loadable).

        A runtime info value that cannot be stored that way is left out with a warning.
        """
        self.fold_pending()
        self.fold_pending_infos()
        scalars = OrderedDict(
            (key, buffer._to_state())
            for key, buffer in self._log_scalars.items()
            if self._resumed_keys.get(key, False)
        )
        info: OrderedDict[str, Any] = OrderedDict()
        for key, value in self._runtime_info.items():
            if not self._resumed_keys.get(key, False):
                continue
            try:
                info[key] = _plain(value)
            except TypeError as exc:
                from treadle.logging.logger import print_log

                print_log(
                    f"MessageHub.state_dict: runtime info {key!r} holds {exc}, which a "
                    "weights-only checkpoint cannot hold; it is not saved (store plain "
                    "values, or update it with resumed=False)",
                    logger="current",
                    level=logging.WARNING,
                )
        return {
            "log_scalars": scalars,
            "runtime_info": info,
            "resumed_keys": dict(self._resumed_keys),
        }

    def load_state_dict(self, state_dict: dict[str, Any] | MessageHub) -> MessageHub:
        """Restore from ``state_dict()`` output (or from a MessageHub, as MMEngine allows).

        Scalars may be stored as plain dicts (Treadle) or as history buffer objects
        (ours, or MMEngine's from its checkpoints loaded with ``weights_only=False``).
        """
        if isinstance(state_dict, MessageHub):
            state_dict = {
                "log_scalars": state_dict.log_scalars,  # its pending updates folded in
                "runtime_info": state_dict.runtime_info,
                "resumed_keys": state_dict._resumed_keys,
            }
        if not isinstance(state_dict, dict):
            raise TypeError(
                "MessageHub.load_state_dict takes a dict from state_dict(), got "
                f"{type(state_dict).__name__}"
            )
        missing = [
            k for k in ("log_scalars", "runtime_info", "resumed_keys") if k not in state_dict
        ]
        if missing:
            raise KeyError(
                f"MessageHub.load_state_dict: the state lacks {missing}; it must come from "
                "MessageHub.state_dict()"
            )
        scalars: OrderedDict[str, HistoryBuffer] = OrderedDict()
        for key, value in state_dict["log_scalars"].items():
            if hasattr(value, "data") and hasattr(value, "max_length"):  # ours or MMEngine's
                logs, counts = value.data
                scalars[key] = HistoryBuffer(list(logs), list(counts), value.max_length)
            elif isinstance(value, dict) and "log_history" in value:
                scalars[key] = HistoryBuffer(
                    value["log_history"],
                    value["count_history"],
                    value.get("max_length", 1000000),
                )
            else:
                raise TypeError(
                    f"MessageHub.load_state_dict: log_scalars[{key!r}] is a "
                    f"{type(value).__name__}, expected the dict state_dict() writes"
                )
        self.pending_scalars.clear()  # updates before the load are replaced with it
        self.pending_infos.clear()
        self._log_scalars = scalars
        self._runtime_info = OrderedDict(copy.deepcopy(dict(state_dict["runtime_info"])))
        self._resumed_keys = OrderedDict(state_dict["resumed_keys"])
        return self
