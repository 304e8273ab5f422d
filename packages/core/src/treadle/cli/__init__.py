"""The ``treadle`` command line (also ``python -m treadle``)."""
