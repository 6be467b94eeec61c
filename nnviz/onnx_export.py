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

Opset 17 (onnxruntime 1.14 and later). onnxruntime's CPU provider has no float64
Softplus or Elu, and LeakyRelu's slope is a float32 attribute, so for float64 models these
three are written out with elementary nodes: ``softplus(z) = relu(z) + log(1 + exp(-|z|))``,
``elu(z) = relu(z) + (exp(min(z, 0)) - 1)`` and ``leaky_relu(z) = relu(z) + 0.2 * min(z, 0)``.
Needs the ``onnx`` package (``pip install nnviz[export]``).
"""
from __future__ import annotations

import os

import numpy as np

from nnviz.errors import ProjectFileError
from nnviz.weights_io import _check_built, atomic_output

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


def _activation_of(layer) -> tuple[str, dict]:
    """The activation's name and its parameters (negative slope, alpha) for ``layer``."""
    name = str(getattr(layer, "activation_name", "linear") or "linear").lower()
    activation = getattr(layer, "activation", None)
    params = {}
    if name == "leaky_relu":
        params["alpha"] = float(getattr(activation, "negative_slope", 0.2))
    elif name == "elu":
        params["alpha"] = float(getattr(activation, "alpha", 1.0))
    return name, params


class _GraphBuilder:
    """Collects nodes and initializers with unique names."""

    def __init__(self, onnx, dtype: np.dtype):
        self.helper = onnx.helper
        self.numpy_helper = onnx.numpy_helper
        self.dtype = dtype
        self.nodes = []
        self.initializers = []
        self._count = 0

    def name(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def constant(self, stem: str, value) -> str:
        name = self.name(stem)
        array = np.asarray(value, dtype=self.dtype)
        self.initializers.append(self.numpy_helper.from_array(array, name))
        return name

    def node(self, op: str, inputs: list[str], stem: str, output: str | None = None, **attrs):
        output = output or self.name(stem)
        self.nodes.append(self.helper.make_node(op, inputs, [output], name=self.name(op), **attrs))
        return output

    def activation(self, name: str, params: dict, z: str, stem: str) -> str:
        """Append the nodes of activation ``name`` applied to tensor ``z``; return the result."""
        double = self.dtype == np.float64
        if name in ("linear", "none", "identity"):
            return z
        if name == "relu":
            return self.node("Relu", [z], stem)
        if name == "sigmoid":
            return self.node("Sigmoid", [z], stem)
        if name == "tanh":
            return self.node("Tanh", [z], stem)
        if name == "softmax":
            return self.node("Softmax", [z], stem, axis=-1)
        if name == "leaky_relu":
            if not double:
                return self.node("LeakyRelu", [z], stem, alpha=params["alpha"])
            # relu(z) + slope * min(z, 0): LeakyRelu's alpha attribute is only a float32.
            pos = self.node("Relu", [z], stem + "_pos")
            zero = self.constant(stem + "_zero", 0.0)
            slope = self.constant(stem + "_slope", params["alpha"])
            neg = self.node("Mul", [slope, self.node("Min", [z, zero], stem)], stem)
            return self.node("Add", [pos, neg], stem)
        if name == "softplus":
            if not double:
                return self.node("Softplus", [z], stem)
            # relu(z) + log(1 + exp(-|z|)): never overflows, equals log(1 + exp(z)).
            pos = self.node("Relu", [z], stem + "_pos")
            neg_abs = self.node("Neg", [self.node("Abs", [z], stem + "_abs")], stem + "_negabs")
            one = self.constant(stem + "_one", 1.0)
            log = self.node("Log", [self.node("Add", [one, self.node("Exp", [neg_abs], stem)],
                                              stem)], stem + "_log")
            return self.node("Add", [pos, log], stem)
        if name == "elu":
            if not double:
                return self.node("Elu", [z], stem, alpha=params["alpha"])
            # relu(z) + alpha * (exp(min(z, 0)) - 1): z for z > 0, alpha*(e^z - 1) otherwise.
            pos = self.node("Relu", [z], stem + "_pos")
            zero = self.constant(stem + "_zero", 0.0)
            one = self.constant(stem + "_one", 1.0)
            alpha = self.constant(stem + "_alpha", params["alpha"])
            expm1 = self.node("Sub", [self.node("Exp", [self.node("Min", [z, zero], stem)], stem),
                                      one], stem)
            return self.node("Add", [pos, self.node("Mul", [alpha, expm1], stem)], stem)
        raise ProjectFileError(f"The activation '{name}' cannot be exported to ONNX.")


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
        name, params = _activation_of(layer)
        tensor = graph.activation(name, params, tensor, stem + "_" + name)
    # The last tensor gets the public output name.
    if graph.nodes and tensor != INPUT_NAME:
        graph.nodes[-1].output[0] = OUTPUT_NAME
    else:
        graph.node("Identity", [tensor], "out", output=OUTPUT_NAME)

    onnx_graph = helper.make_graph(
        graph.nodes,
        str(getattr(model, "name", "nnviz_model")),
        [helper.make_tensor_value_info(INPUT_NAME, elem, ["batch", int(model.input_dim)])],
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
    # IR version 8 is what onnxruntime 1.14+ reads (newer onnx packages default higher).
    proto.ir_version = 8
    onnx.checker.check_model(proto)
    return proto


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in str(name)) or "layer"


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
