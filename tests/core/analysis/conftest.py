"""Make ``zoo`` (the models shared with mmengine_parity.py) importable."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
