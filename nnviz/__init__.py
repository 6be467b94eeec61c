"""nnviz: build a neural network by hand and watch it learn, one number at a time.

This package is the engine and the document, with no screen: Keras-shaped models
(``nnviz.engine.models.Sequential``, ``nnviz.engine.layers.Dense``), the stepping trainer
(``nnviz.engine.training.Stepper``), data sets, the design document the window edits, file
formats and export. The window lives in the separate ``ui`` package.

Importing the package registers the file formats behind the engine's Keras-named file
methods (``model.save``, ``load_model``, ``model.save_weights``, ...; see
:mod:`nnviz.engine.saving`), so the engine modules never import a file format themselves.
"""

from nnviz.version import __version__  # noqa: E402

__all__ = ["__version__"]

from nnviz.engine import saving as _saving  # noqa: E402
from nnviz.files import export_formats as _export_formats  # noqa: E402
from nnviz.files import onnx_export as _onnx_export  # noqa: E402
from nnviz.files import project as _project  # noqa: E402

_saving.register("save_model", _project.save_model)
_saving.register("load_model", _project.load_model)
_saving.register("save_weights", _export_formats.save_weights)
_saving.register("load_weights", _export_formats.load_weights)
_saving.register("export_onnx", _onnx_export.export_onnx)
