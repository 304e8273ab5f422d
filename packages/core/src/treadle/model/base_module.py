"""``BaseModule``: an ``nn.Module`` that initialises its weights from ``init_cfg``.

``init_weights()`` runs the module's own ``init_cfg`` (except ``Pretrained``
entries), then the ``init_weights`` of children not yet initialised, then the
``Pretrained`` entries last, so loaded weights win over any other initialiser.
"""

from __future__ import annotations

import copy
import logging
from abc import ABCMeta
from typing import Any

from torch import nn

from treadle.model.init_report import ATTRIBUTE, InitReport, report_of, write_report
from treadle.model.weight_init import PretrainedInit, initialize
from treadle.model.wrappers import is_model_wrapper

logger = logging.getLogger(__name__)


def _is_pretrained(cfg: dict[str, Any]) -> bool:
    return cfg.get("type") in ("Pretrained", PretrainedInit)


class BaseModule(nn.Module, metaclass=ABCMeta):
    """Base class for modules whose initialisation is chosen by config.

    Args:
        init_cfg: a dict or a list of dicts for :data:`WEIGHT_INITIALIZERS`,
            e.g. ``dict(type='Kaiming', layer='Conv2d')``.
    """

    def __init__(self, init_cfg: dict[str, Any] | list[dict[str, Any]] | None = None) -> None:
        super().__init__()
        self._is_init = False
        self.init_cfg = copy.deepcopy(init_cfg)

    @property
    def is_init(self) -> bool:
        """Whether ``init_weights`` has run (a second call then does nothing)."""
        return self._is_init

    @is_init.setter
    def is_init(self, value: bool) -> None:
        self._is_init = value

    def init_weights(self) -> None:
        """Initialise this module from ``init_cfg`` and its children from theirs; the
        top-level call writes which initialiser set each parameter to the log file."""
        if report_of(self) is not None:
            self._init_weights()
            return
        report = InitReport(self)
        modules = list(self.modules())
        for module in modules:
            module.__dict__[ATTRIBUTE] = report
        try:
            self._init_weights()
        finally:
            for module in modules:
                module.__dict__.pop(ATTRIBUTE, None)
        write_report(report)

    def _init_weights(self) -> None:
        if self._is_init:
            logger.warning("init_weights of %s has been called more than once", type(self).__name__)
            return
        cfgs: list[dict[str, Any]] = []
        if self.init_cfg:
            cfgs = [self.init_cfg] if isinstance(self.init_cfg, dict) else list(self.init_cfg)
            for cfg in cfgs:
                if not isinstance(cfg, dict):
                    raise TypeError(
                        f"{type(self).__name__}.init_cfg entries must be dicts, got {cfg!r}"
                    )
            logger.debug("initialize %s with init_cfg %s", type(self).__name__, self.init_cfg)
            initialize(self, [cfg for cfg in cfgs if not _is_pretrained(cfg)])
        for child in self.children():
            if is_model_wrapper(child) and not hasattr(child, "init_weights"):
                child = child.module
            if hasattr(child, "init_weights") and not getattr(child, "is_init", False):
                child.init_weights()
                report = report_of(self)
                if report is not None:
                    report.note(child, f"init_weights of {type(child).__name__}")
        pretrained = [cfg for cfg in cfgs if _is_pretrained(cfg)]
        if pretrained:
            initialize(self, pretrained)
        self._is_init = True

    def __repr__(self) -> str:
        text = super().__repr__()
        if self.init_cfg:
            text += f"\ninit_cfg={self.init_cfg}"
        return text


class Sequential(BaseModule, nn.Sequential):
    """``nn.Sequential`` with ``init_cfg``."""

    def __init__(self, *args: nn.Module, init_cfg: dict[str, Any] | None = None) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.Sequential.__init__(self, *args)


class ModuleList(BaseModule, nn.ModuleList):
    """``nn.ModuleList`` with ``init_cfg``."""

    def __init__(
        self, modules: list[nn.Module] | None = None, init_cfg: dict[str, Any] | None = None
    ) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.ModuleList.__init__(self, modules)


class ModuleDict(BaseModule, nn.ModuleDict):
    """``nn.ModuleDict`` with ``init_cfg``."""

    def __init__(
        self, modules: dict[str, nn.Module] | None = None, init_cfg: dict[str, Any] | None = None
    ) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.ModuleDict.__init__(self, modules)
