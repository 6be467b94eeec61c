"""nnviz: build a neural network by hand and watch it learn, one number at a time.

This package is the engine and the document, with no screen: Keras-shaped models
(``nnviz.models.Sequential``, ``nnviz.layers.Dense``), the stepping trainer
(``nnviz.training.Stepper``), data sets, the design document the window edits, file
formats and export. The window lives in the separate ``ui`` package.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
