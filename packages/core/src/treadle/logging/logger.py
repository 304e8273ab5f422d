"""``MMLogger``: a named, rank-aware logger, and ``print_log``.

Rank 0 logs to the console at ``log_level``; other ranks only show errors there.
With ``log_file``, rank 0 also writes a plain-text file; other ranks write their
own files only when ``distributed=True`` (or at DEBUG level) in a run of several
processes. Each record is flushed to the file as it is written, so a crash loses
nothing that was logged before it.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import socket
import sys
from typing import Any

from treadle.logging._dist import device_id, rank_and_world_size
from treadle.logging.formatter import FilterDuplicateWarning, MMFormatter
from treadle.utils.manager import ManagerMixin

DEFAULT_LOGGER_NAME = "treadle"


class _ConsoleHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is when a record arrives.

    So output redirected later (a progress bar drawing above its line, pytest's
    capture) still receives the records; colours only when that stream is a terminal.
    """

    def __init__(self) -> None:
        super().__init__()
        self._colour = MMFormatter(color=True, datefmt="%m/%d %H:%M:%S")
        self._plain = MMFormatter(color=False, datefmt="%m/%d %H:%M:%S")

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, value: Any) -> None:  # StreamHandler.__init__ assigns it
        pass

    def format(self, record: logging.LogRecord) -> str:
        isatty = getattr(self.stream, "isatty", None)
        formatter = self._colour if isatty is not None and isatty() else self._plain
        return formatter.format(record)


def _level(log_level: int | str) -> int:
    if isinstance(log_level, int):
        return log_level
    level = logging.getLevelName(str(log_level).upper())  # the number for a known name
    if not isinstance(level, int):
        raise ValueError(
            f"unknown log_level {log_level!r}; use one of DEBUG, INFO, WARNING, ERROR, CRITICAL"
        )
    return level


def _file_handler(log_file: str, file_mode: str, cfg: dict | None) -> logging.Handler:
    if cfg is None:
        return logging.FileHandler(log_file, file_mode, encoding="utf-8")
    cfg = dict(cfg)
    kind = cfg.pop("type", None)
    handler_cls = getattr(logging, str(kind), None) or getattr(logging.handlers, str(kind), None)
    if not (isinstance(handler_cls, type) and issubclass(handler_cls, logging.Handler)):
        raise ValueError(
            f"file_handler_cfg type {kind!r} is not a handler class of logging or "
            "logging.handlers; use e.g. type='FileHandler' or type='RotatingFileHandler'"
        )
    cfg.setdefault("filename", log_file)
    cfg.setdefault("mode", file_mode)
    return handler_cls(**cfg)


class MMLogger(logging.Logger, ManagerMixin):
    """A logger reachable by name (``get_instance``) or as the current one.

    Args:
        name: instance name (``MMLogger.get_instance(name)``).
        logger_name: the name printed in each record.
        log_file: also write records here (plain text, parent directories created).
        log_level: level for the console and file handlers.
        file_mode: ``'w'`` to start the file afresh, ``'a'`` to append.
        distributed: in a run of several processes, every rank writes its own file
            ``<stem>_<host>_device<d>_rank<r><suffix>`` next to ``log_file``.
        file_handler_cfg: build the file handler from ``logging``/``logging.handlers``
            instead, e.g. ``dict(type='RotatingFileHandler', maxBytes=1 << 20)``.
    """

    def __init__(
        self,
        name: str,
        logger_name: str = DEFAULT_LOGGER_NAME,
        log_file: str | os.PathLike | None = None,
        log_level: int | str = "INFO",
        file_mode: str = "w",
        distributed: bool = False,
        file_handler_cfg: dict | None = None,
    ) -> None:
        logging.Logger.__init__(self, logger_name)
        ManagerMixin.__init__(self, name)
        level = _level(log_level)
        rank, world_size = rank_and_world_size()

        console = _ConsoleHandler()
        console.setLevel(level if rank == 0 else logging.ERROR)
        console.addFilter(FilterDuplicateWarning(logger_name))
        self.handlers.append(console)

        self._log_file: str | None = None
        if log_file is not None:
            log_file = os.fspath(log_file)
            per_rank = (distributed or level <= logging.DEBUG) and world_size > 1
            if per_rank:
                stem, suffix = os.path.splitext(os.path.basename(log_file))
                host = socket.gethostname()
                host_part = f"_{host}" if host else ""
                log_file = os.path.join(
                    os.path.dirname(log_file),
                    f"{stem}{host_part}_device{device_id()}_rank{rank}{suffix}",
                )
            if rank == 0 or per_rank:
                os.makedirs(os.path.dirname(os.path.abspath(log_file)), exist_ok=True)
                handler = _file_handler(log_file, file_mode, file_handler_cfg)
                handler.setFormatter(MMFormatter(color=False, datefmt="%Y/%m/%d %H:%M:%S"))
                handler.setLevel(level)
                handler.addFilter(FilterDuplicateWarning(logger_name))
                self.handlers.append(handler)
                self._log_file = log_file

    @property
    def log_file(self) -> str | None:
        """The file this process writes to, or None (no file, or a rank that writes none)."""
        return self._log_file

    @classmethod
    def get_current_instance(cls) -> MMLogger:
        """The most recently created logger; one named ``'treadle'`` is made if none exists."""
        if not cls._instance_dict:
            cls.get_instance(DEFAULT_LOGGER_NAME)
        return super().get_current_instance()

    def isEnabledFor(self, level: int) -> bool:
        """As ``logging.Logger``'s, and only if one of the handlers takes ``level``: a
        record none of them would write is not made (no caller lookup, no formatting)."""
        return logging.Logger.isEnabledFor(self, level) and any(
            level >= handler.level for handler in self.handlers
        )

    def callHandlers(self, record: logging.LogRecord) -> None:
        """Emit to this logger's own handlers only (it has no parents)."""
        for handler in self.handlers:
            if record.levelno >= handler.level:
                handler.handle(record)

    def setLevel(self, level: int | str) -> None:
        """Set the logger's own level and drop the cached ``isEnabledFor`` answers."""
        self.level = _level(level)
        self._cache.clear()


def print_log(
    msg: Any, logger: logging.Logger | str | None = None, level: int = logging.INFO
) -> None:
    """Print ``msg`` or log it.

    Args:
        msg: what to print.
        logger: None prints; ``'silent'`` drops it; ``'current'`` uses
            ``MMLogger.get_current_instance()``; another str names an existing
            ``MMLogger`` instance; a ``logging.Logger`` is used as it is.
        level: the logging level (ignored when printing).
    """
    if logger is None:
        print(msg)
    elif isinstance(logger, logging.Logger):
        logger.log(level, msg)
    elif logger == "silent":
        pass
    elif logger == "current":
        MMLogger.get_current_instance().log(level, msg)
    elif isinstance(logger, str):
        if not MMLogger.check_instance_created(logger):
            raise ValueError(
                f"print_log: no MMLogger named {logger!r} has been created; create it with "
                f"MMLogger.get_instance({logger!r}) or pass logger='current'"
            )
        MMLogger.get_instance(logger).log(level, msg)
    else:
        raise TypeError(
            "print_log: logger must be a logging.Logger, a logger name, 'silent', 'current' "
            f"or None, got {type(logger).__name__}"
        )
