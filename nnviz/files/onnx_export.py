"""Export a model to ONNX, so any ONNX runtime can run it: ``model.export(path, format="onnx")``.

The graph is the forward pass, one Dense layer after another::

    z = x @ kernel + bias        (a Gemm node; MatMul when the layer has no bias)
    a = activation(z)            (Relu, Sigmoid, Tanh, Softplus, Elu, LeakyRelu,
                                  Softmax on the last axis; nothing for "linear")

Input: ``"input"``, shape ``["batch", n_features]``. Output: ``"output"``, shape
``["batch", n_outputs]``. The element type is the model's: float64 (ONNX ``DOUBLE``) by
default, float32 for a ``dtype="float32"`` model. Example with onnxruntime::

    import onnxruntime as ort
    session = ort.InferenceSession("model.onnx")
    y = session.run(["output"], {"input": x})[0]      # x: (batch, n_features), the model's dtype

Opset 17 (onnxruntime 1.14 and later). Each activation writes its own nodes
(``Activation.onnx`` in :mod:`nnviz.engine.activations`). onnxruntime's CPU provider has no float64
Softplus or Elu, and LeakyRelu's slope is a float32 attribute, so for float64 models these
three are written out with elementary nodes: ``softplus(z) = relu(z) + log(1 + exp(-|z|))``,
``elu(z) = relu(z) + (exp(min(z, 0)) - 1)`` and ``leaky_relu(z) = relu(z) + 0.2 * min(z, 0)``.
Needs the ``onnx`` package (``pip install nnviz[export]``).
"""
from __future__ import annotations

import json
import os

import numpy as np

from nnviz.engine import activations as _activations
from nnviz.errors import ProjectFileError
from nnviz.files.weights_io import _check_built, atomic_output

__all__ = ["ONNX_OPSET", "INPUT_NAME", "OUTPUT_NAME", "export_onnx", "to_onnx"]

ONNX_OPSET = 17
INPUT_NAME = "input"
OUTPUT_NAME = "output"


def _import_onnx():
    try:
        import onnx
    except ImportError as err:  # an optional extra
        raise ProjectFileError(
            "ONNX export needs the onnx package: pip install 'nnviz[export]'."
        ) from err
    return onnx


class _GraphBuilder:
    """Collects nodes and initializers with unique names.

    The activations write their own nodes through it (``Activation.onnx(graph, z, stem)``
    in :mod:`nnviz.engine.activations`): :meth:`node`, :meth:`constant` and ``double``.
    """

    def __init__(self, onnx, dtype: np.dtype):
        self.helper = onnx.helper
        self.numpy_helper = onnx.numpy_helper
        self.dtype = dtype
        #: True for a float64 graph (onnxruntime lacks some float64 kernels).
        self.double = dtype == np.float64
        self.nodes = []
        self.initializers = []
        self._count = 0

    def name(self, stem: str) -> str:
        """A new unique name ``stem_<n>``."""
        self._count += 1
        return f"{stem}_{self._count}"

    def constant(self, stem: str, value) -> str:
        """Add an initializer holding ``value`` in the graph's dtype; return its name."""
        name = self.name(stem)
        array = np.asarray(value, dtype=self.dtype)
        self.initializers.append(self.numpy_helper.from_array(array, name))
        return name

    def node(self, op: str, inputs: list[str], stem: str, output: str | None = None, **attrs):
        """Add an ``op`` node reading ``inputs``; return its output's name."""
        output = output or self.name(stem)
        self.nodes.append(self.helper.make_node(op, inputs, [output], name=self.name(op), **attrs))
        return output


def to_onnx(model):
    """The ``onnx.ModelProto`` of ``model``'s forward pass (see the module docstring)."""
    onnx = _import_onnx()
    _check_built(model)
    helper = onnx.helper
    weights = model.get_weights()
    dtype = np.asarray(weights[0]).dtype if weights else np.dtype(np.float64)
    dtype = np.dtype(np.float32) if dtype == np.float32 else np.dtype(np.float64)
    elem = onnx.TensorProto.FLOAT if dtype == np.float32 else onnx.TensorProto.DOUBLE

    graph = _GraphBuilder(onnx, dtype)
    dense_ids = {id(layer) for layer in model.dense_layers}
    tensor = INPUT_NAME
    n_out = int(model.input_dim)
    for index, layer in enumerate(model.layers):
        stem = _safe(getattr(layer, "name", f"layer{index}"))
        if id(layer) in dense_ids:
            kernel = graph.constant(stem + "_kernel", layer.kernel)
            if getattr(layer, "use_bias", True):
                bias = graph.constant(stem + "_bias", layer.bias)
                tensor = graph.node("Gemm", [tensor, kernel, bias], stem + "_z")
            else:
                tensor = graph.node("MatMul", [tensor, kernel], stem + "_z")
            n_out = int(layer.units)
        elif not hasattr(layer, "activation_name"):
            continue  # an input layer: nothing to compute
        activation = _activations.get(getattr(layer, "activation", None))
        tensor = activation.onnx(graph, tensor, stem + "_" + activation.name)
    # The last tensor gets the public output name.
    if graph.nodes and tensor != INPUT_NAME:
        graph.nodes[-1].output[0] = OUTPUT_NAME
    else:
        graph.node("Identity", [tensor], "out", output=OUTPUT_NAME)

    # The inputs' names when the data set adds feature crosses (x1, x2, x1², sin x1, ...):
    # on the input (its doc string) and in the model's metadata ("inputs", a JSON list),
    # as the JSON export's "inputs" key has them.
    inputs = _input_names(model)
    onnx_graph = helper.make_graph(
        graph.nodes,
        _text(getattr(model, "name", "nnviz_model")),
        [helper.make_tensor_value_info(INPUT_NAME, elem, ["batch", int(model.input_dim)],
                                       doc_string="columns: " + ", ".join(inputs)
                                       if inputs else "")],
        [helper.make_tensor_value_info(OUTPUT_NAME, elem, ["batch", n_out])],
        graph.initializers,
    )
    proto = helper.make_model(
        onnx_graph,
        producer_name="nnviz",
        opset_imports=[helper.make_opsetid("", ONNX_OPSET)],
        doc_string=f"nnviz model: input '{INPUT_NAME}' (batch, {int(model.input_dim)}), "
        f"output '{OUTPUT_NAME}' (batch, {n_out}).",
    )
    if inputs:
        helper.set_model_props(proto, {"inputs": json.dumps(inputs, ensure_ascii=False)})
    # IR version 8 is what onnxruntime 1.14+ reads (newer onnx packages default higher).
    proto.ir_version = 8
    onnx.checker.check_model(proto)
    return proto


def _input_names(model) -> list[str]:
    """The inputs' names when the model was built for feature crosses (``input_features``),
    else none: ``["x1", "x2", "x1²", ...]``."""
    crosses = tuple(getattr(model, "input_features", ()))
    if not crosses:
        return []
    from nnviz.data import features

    return features.input_names(crosses)


def _safe(name) -> str:
    """A layer name as a node-name stem: letters, digits and ``_`` only."""
    return "".join(c if c.isalnum() or c == "_" else "_" for c in str(name)) or "layer"


def _text(value) -> str:
    """Any name as text that protobuf can store (a lone surrogate becomes ``\\ud800``)."""
    return str(value).encode("utf-8", "backslashreplace").decode("utf-8")


def export_onnx(model, path: str | os.PathLike) -> None:
    """Write ``model`` as an ONNX file at ``path`` (atomically; see the module docstring)."""
    proto = to_onnx(model)
    data = proto.SerializeToString()
    path = os.fspath(path)
    try:
        with atomic_output(path, "wb") as handle:
            handle.write(data)
    except OSError as err:
        raise ProjectFileError(f"Cannot write '{path}': {err.strerror or err}.", path) from err
