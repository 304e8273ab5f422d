"""Visualization: ``Visualizer`` and its backends (``BaseVisBackend``, ``LocalVisBackend``)."""

from treadle.visualization.vis_backend import BaseVisBackend, LocalVisBackend, force_init_env
from treadle.visualization.visualizer import Visualizer

__all__ = ["BaseVisBackend", "LocalVisBackend", "Visualizer", "force_init_env"]
