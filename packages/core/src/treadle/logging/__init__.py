"""Logging: ``MMLogger``/``print_log``, ``MessageHub``, ``HistoryBuffer``, ``LogProcessor``.

Importing this package imports neither torch nor numpy; they are used only when
a tensor or numpy value passes through, or CUDA memory is reported.
"""

from treadle.logging.formatter import FilterDuplicateWarning, MMFormatter
from treadle.logging.history_buffer import HistoryBuffer
from treadle.logging.log_processor import LogProcessor
from treadle.logging.logger import MMLogger, print_log
from treadle.logging.message_hub import MessageHub
from treadle.logging.progress import ProgressReporter

TreadleLogger = MMLogger

__all__ = [
    "FilterDuplicateWarning",
    "HistoryBuffer",
    "LogProcessor",
    "MMFormatter",
    "MMLogger",
    "MessageHub",
    "ProgressReporter",
    "TreadleLogger",
    "print_log",
]
