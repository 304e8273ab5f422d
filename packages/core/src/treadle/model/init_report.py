"""Which initialiser last changed each parameter during ``init_weights``: recorded while
the top-level module initialises, then written to the run's log file, as MMEngine does
(it shows, say, that a pretrained checkpoint reached the backbone)."""

from __future__ import annotations

import logging
from typing import Any

import torch
from torch import nn

ATTRIBUTE = "_init_report"  # set on every submodule while the top-level init runs


class InitReport:
    """Per parameter: a fingerprint of its values and what last changed them."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.entries: dict[nn.Parameter, list[Any]] = {
            param: [_fingerprint(param), f"not changed by init_weights of {type(model).__name__}"]
            for param in model.parameters()
        }

    def note(self, module: nn.Module, description: str) -> None:
        """Credit ``description`` for the parameters of ``module`` whose values changed."""
        for param in module.parameters():
            entry = self.entries.get(param)
            if entry is None:  # added during init: reported from now on
                entry = self.entries[param] = [None, ""]
            fingerprint = _fingerprint(param)
            if entry[0] is None or not torch.equal(fingerprint, entry[0]):
                entry[:] = [fingerprint, description]

    def lines(self) -> list[str]:
        return [
            f"{name} - {tuple(param.shape)}: {self.entries[param][1]}"
            for name, param in self.model.named_parameters()
        ]


def _fingerprint(param: torch.Tensor) -> torch.Tensor:
    """Two statistics of the values: cheap, and any initialiser changes one of them. A
    parameter without values yet (on the meta device) has none: an empty fingerprint."""
    if param.is_meta:
        return torch.empty(0)
    values = param.detach().float()
    return torch.stack([values.mean(), values.abs().mean()]).cpu()


def report_of(module: nn.Module) -> InitReport | None:
    """The report a running top-level ``init_weights`` shares with ``module``, if any."""
    return module.__dict__.get(ATTRIBUTE)


def write_report(report: InitReport) -> None:
    """The report into the current logger's log files (rank 0); without one, at DEBUG."""
    from treadle.dist import get_rank
    from treadle.logging import MMLogger

    if get_rank() != 0:
        return
    logger = MMLogger.get_current_instance()
    text = "How init_weights set each parameter:\n" + "\n".join(report.lines()) + "\n"
    files = [h for h in logger.handlers if isinstance(h, logging.FileHandler)]
    for handler in files:
        handler.stream.write(text)
        handler.flush()
    if not files:
        logger.debug(text)
