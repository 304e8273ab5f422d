"""Log record formatting: ``time - logger - LEVEL - message``, optionally coloured.

Errors also name the file, function and line that logged them, as MMEngine's
formatter does. Colours are ANSI escapes and are only used on a terminal; files
always get plain text.
"""

from __future__ import annotations

import logging

_COLOURS = {"ERROR": 31, "WARNING": 33, "INFO": 37, "DEBUG": 32}
_RESET = "\033[0m"


def _prefix(level: str, color: bool, blink: bool) -> str:
    if not color:
        return level
    codes = ["4"]  # underline
    if blink:
        codes.append("5")
    codes.append(str(_COLOURS[level]))
    return f"\033[{';'.join(codes)}m{level}{_RESET}"


class MMFormatter(logging.Formatter):
    """Formatter with one layout per level (errors carry their source location).

    Args:
        color: colour the level name (for terminals).
        blink: make the level name blink too (needs ``color``); warnings and errors
            always blink when coloured.
        **kwargs: passed to :class:`logging.Formatter` (``datefmt`` ...).
    """

    def __init__(self, color: bool = True, blink: bool = False, **kwargs) -> None:
        if blink and not color:
            raise ValueError("MMFormatter(blink=True) needs color=True: blinking is a colour code")
        super().__init__(**kwargs)
        head = "%(asctime)s - %(name)s - "
        datefmt = kwargs.get("datefmt")
        layouts = {
            logging.ERROR: f"{head}{_prefix('ERROR', color, True)} - "
            "%(pathname)s - %(funcName)s - %(lineno)d - %(message)s",
            logging.WARNING: f"{head}{_prefix('WARNING', color, True)} - %(message)s",
            logging.INFO: f"{head}{_prefix('INFO', color, blink)} - %(message)s",
            logging.DEBUG: f"{head}{_prefix('DEBUG', color, blink)} - %(message)s",
        }
        self._by_level = {
            level: logging.Formatter(fmt, datefmt=datefmt) for level, fmt in layouts.items()
        }

    def format(self, record: logging.LogRecord) -> str:
        if record.levelno >= logging.ERROR:
            level = logging.ERROR
        elif record.levelno >= logging.WARNING:
            level = logging.WARNING
        elif record.levelno >= logging.INFO:
            level = logging.INFO
        else:
            level = logging.DEBUG
        return self._by_level[level].format(record)


class FilterDuplicateWarning(logging.Filter):
    """Let each distinct warning message through once per handler."""

    def __init__(self, name: str = "treadle") -> None:
        super().__init__(name)
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.WARNING:
            return True
        message = str(record.msg)
        if message in self.seen:
            return False
        self.seen.add(message)
        return True
