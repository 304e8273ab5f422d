"""``python -m treadle``: the same entry point as the ``treadle`` command."""

from treadle.cli.main import main

raise SystemExit(main())
