"""Make ``config_parity`` (the corpus helper shared with make_golden.py) importable."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
