"""Training you can watch: the worker thread, the training panel, the lecture view, the plots.

``TrainingController(window)`` adds the docks and owns the worker thread; see
``ui/training/controller.py``.
"""
from ui.training.controller import TrainingController
from ui.training.lecture_view import LectureView
from ui.training.panel import TrainingPanel
from ui.training.plots import PlotsDock
from ui.training.worker import TrainingWorker

__all__ = ["TrainingController", "TrainingWorker", "TrainingPanel", "LectureView", "PlotsDock"]
