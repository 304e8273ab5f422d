"""One rank of the 2-process gloo job in test_distributed.py (argv: out_dir distributed)."""

import json
import sys
from pathlib import Path

from treadle.dist import get_rank, init_dist
from treadle.logging import MMLogger
from treadle.visualization import Visualizer

out_dir, distributed = Path(sys.argv[1]), sys.argv[2] == "1"
init_dist("pytorch", backend="gloo")
rank = get_rank()
log_file = out_dir / "20260102_030405" / "20260102_030405.log"
logger = MMLogger.get_instance("run", log_file=log_file, distributed=distributed)
logger.info(f"info from rank {rank}")
logger.error(f"error from rank {rank}")
visualizer = Visualizer(
    "vis", vis_backends=[dict(type="LocalVisBackend")], save_dir=out_dir / "20260102_030405"
)
visualizer.add_scalars({"loss": float(rank)}, step=1)
(out_dir / f"rank{rank}.json").write_text(json.dumps({"log_file": logger.log_file}))
