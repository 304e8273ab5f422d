"""One rank of a 2-process gloo job: time a function with TimeCounter, report to a file.

python time_counter_ranks_worker.py OUT_DIR   (RANK, WORLD_SIZE, MASTER_* set by the test)
"""

import json
import logging
import os
import sys
from pathlib import Path

import torch.distributed as dist

from treadle.utils.dl_utils import TimeCounter


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


dist.init_process_group("gloo")
logger = logging.getLogger("time_counter_ranks")
logger.setLevel(logging.INFO)
handler = ListHandler()
logger.addHandler(handler)
counter = TimeCounter(tag="ranked", logger=logger)


def work(x: int) -> int:
    return x * 2


timed = counter(work)
results = [timed(3), timed(4)]
with counter:
    pass
rank = int(os.environ["RANK"])
Path(sys.argv[1], f"rank{rank}.json").write_text(
    json.dumps({"is_original": timed is work, "results": results, "logged": handler.messages})
)
dist.destroy_process_group()
