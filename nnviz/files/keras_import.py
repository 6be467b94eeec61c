"""Read the lecture's Keras code into a design, without running it.

The reverse of :func:`nnviz.files.keras_code.lecture_code`::

    design, settings = parse_keras(text)

reads a ``Sequential`` of ``Dense`` and ``Activation`` layers (the input size from
``input_shape=``, ``input_dim=`` or a leading ``Input(shape=...)``; one
``kernel_regularizer=L1(...)``/``L2(...)`` on every layer is the Regularization setting),
its ``compile`` call
(an optimizer name or ``SGD``/``Adam``/``RMSprop(...)`` with literal arguments, a loss
name, ``metrics=['accuracy']``) and its ``fit`` call (``epochs``, ``batch_size``,
``shuffle``) into a :class:`~nnviz.document.Design` and a dict of training settings
(the keyword arguments of ``session.set_setting``).

**Nothing in the text ever runs.** It is parsed with :func:`ast.parse` (which builds a
syntax tree and executes nothing) and each statement is matched against the few forms
above; every argument must be a literal (a number, a string, ``True``/``False``, a tuple or
list of them). Anything else — another layer type, a call of anything but the known
constructors, a name where a value belongs, an attribute chain outside ``keras.layers``,
``keras.models``, ``keras.optimizers`` (``tf.keras...`` too), ``__import__('os')``, a loop,
a function — is refused with :class:`KerasImportError`, whose ``line`` says where and whose
message says why. Not ``eval``, not ``exec``, not ``compile`` to code, not even
``ast.literal_eval``: the literals are read from the tree here.

What is read and what is not: imports of Keras's modules are accepted and
remembered (``from keras.layers import Dense as D`` makes ``D`` mean Dense);
``keras.config.set_floatx('float64')`` sets the number type; ``model.summary()`` and a
docstring are accepted and do nothing; ``verbose=`` and ``validation_split=`` of ``fit``
are accepted but not mapped (the project's data set decides the split). Data lines
(``x = np.array(...)``) are refused: the data come from the project's data set.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import NoReturn

from nnviz.data import features as _features
from nnviz.document import Design
from nnviz.engine import activations as _activations
from nnviz.engine import initializers as _initializers
from nnviz.engine import losses as _losses
from nnviz.engine import optimizers as _optimizers
from nnviz.engine import regularizers as _regularizers
from nnviz.errors import DesignError, NnvizError, ProjectFileError
from nnviz.files.project import TrainingSettings

__all__ = ["KerasImportError", "parse_keras", "MAX_CODE_CHARS"]

#: The longest text the import reads (a lecture's code is a few hundred characters).
MAX_CODE_CHARS = 200_000
#: How far apart the imported layers are laid out on the canvas (scene units).
LAYER_SPACING = 300.0

# What a dotted name may mean once aliases are resolved (``tf.keras`` -> ``keras``).
_SEQUENTIAL = {"keras.Sequential", "keras.models.Sequential"}
_DENSE = {"keras.layers.Dense"}
_ACTIVATION = {"keras.layers.Activation"}
_INPUT = {"keras.Input", "keras.layers.Input", "keras.layers.InputLayer"}
_OPTIMIZER_CLASSES = {f"keras.optimizers.{cls.keras_class}": name
                      for name, cls in _optimizers.OPTIMIZERS.items()}
_SET_FLOATX = {"keras.config.set_floatx", "keras.backend.set_floatx"}
# keras.regularizers.L1/L2/L1L2 and their lower-case aliases (l1, l2, l1_l2), from the registry.
_REGULARIZER_CLASSES = {f"keras.regularizers.{spelling}": cls
                        for cls in _regularizers.REGULARIZERS.values()
                        for spelling in (cls.keras_class, cls.name)}
# Modules an ``import`` may name (what they bind is resolved through these).
_MODULES = {"numpy", "keras", "keras.layers", "keras.models", "keras.optimizers", "keras.config",
            "keras.backend", "keras.regularizers", "tensorflow", "tensorflow.keras",
            "tensorflow.keras.layers", "tensorflow.keras.models", "tensorflow.keras.optimizers",
            "tensorflow.keras.regularizers"}
# Names a snippet may use without importing them (the lecture's slides often leave the
# imports out): what each one means.
_BARE = {
    "keras": "keras", "layers": "keras.layers", "models": "keras.models",
    "optimizers": "keras.optimizers", "regularizers": "keras.regularizers", "tf": "tensorflow",
    "Sequential": "keras.models.Sequential", "Dense": "keras.layers.Dense",
    "Activation": "keras.layers.Activation", "Input": "keras.layers.Input",
    "InputLayer": "keras.layers.InputLayer",
    # The optimizer classes, by their Keras names (SGD, Adam, RMSprop), from the registry.
    **{path.rsplit(".", 1)[1]: path for path in _OPTIMIZER_CLASSES},
    # And the regularizers' classes (L1, L2, L1L2).
    **{cls.keras_class: f"keras.regularizers.{cls.keras_class}"
       for cls in _regularizers.REGULARIZERS.values()},
}


class KerasImportError(NnvizError):
    """The Keras code cannot be read into a design; ``line`` (1-based) says where."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(f"Line {line}: {message}" if line else message)
        self.line = line
        self.reason = message


@dataclass
class _Layer:
    units: int
    activation: str
    initializer: str
    name: str | None
    line: int
    regularizer: _regularizers.Regularizer | None = None


# Whole numbers this long are no setting of any network (and would fill a message).
_HUGE = 10 ** 18


def _fail(node: ast.AST | None, message: str) -> NoReturn:
    raise KerasImportError(message, getattr(node, "lineno", None))


# ---------------------------------------------------------------------- literals
def _literal(node: ast.AST, what: str):
    """The value of a literal node: a number, a string, True/False/None, a tuple or list of
    literals, or a negative number. Anything else is refused (it would have to run)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool,
                                                                  type(None))):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) \
            and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, (int, float)) \
            and not isinstance(node.operand.value, bool):
        value = node.operand.value
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, (ast.Tuple, ast.List)):
        values = [_literal(item, what) for item in node.elts]
        return tuple(values) if isinstance(node, ast.Tuple) else values
    _fail(node, f"{what} must be a literal value (a number, a string, True or False), "
                f"not the expression {_show(node)}; nnviz never runs the code it imports.")


def _int(node: ast.AST, what: str, low: int = 1) -> int:
    value = _literal(node, what)
    if isinstance(value, int) and abs(value) >= _HUGE:  # not quoted: hundreds of digits
        _fail(node, f"{what} is a number of {len(str(abs(value)))} digits, too large "
                    "for any setting.")
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        _fail(node, f"{what} must be a whole number of at least {low}, not {value!r}.")
    return value


def _number(node: ast.AST, what: str) -> float:
    value = _literal(node, what)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(node, f"{what} must be a number, not {value!r}.")
    try:
        return float(value)
    except OverflowError:  # a whole number of hundreds of digits: no float holds it
        _fail(node, f"{what} is a number of {len(str(abs(value)))} digits, too large "
                    "for any setting.")


def _string(node: ast.AST, what: str) -> str:
    value = _literal(node, what)
    if not isinstance(value, str):
        _fail(node, f"{what} must be a string in quotes, not {value!r}.")
    return value


def _shape(node: ast.AST, what: str) -> int:
    value = _literal(node, what)
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (tuple, list)) or len(value) != 1 \
            or isinstance(value[0], bool) or not isinstance(value[0], int) or value[0] < 1:
        _fail(node, f"{what} must be one whole number of features, like (2,), not {value!r}; "
                    "nnviz's networks take flat vectors.")
    return int(value[0])


def _show(node: ast.AST) -> str:
    """A short quote of the code of ``node`` for a message."""
    try:
        text = ast.unparse(node)
    except (ValueError, TypeError, RecursionError):
        text = type(node).__name__
    text = " ".join(text.split())
    return repr(text if len(text) <= 60 else text[:57] + "...")


# ---------------------------------------------------------------------- names
class _Names:
    """What each name in the code stands for: Keras's modules and classes, and the model."""

    def __init__(self) -> None:
        self.aliases = dict(_BARE)
        self.model: str | None = None

    def dotted(self, node: ast.AST) -> str | None:
        """``keras.layers.Dense`` for a Name/Attribute chain (aliases resolved), else None."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        base = self.aliases.get(node.id)
        if base is None:
            return None
        full = ".".join([base, *reversed(parts)])
        if full.startswith("tensorflow.keras"):
            full = "keras" + full[len("tensorflow.keras"):]
        return full

    def callee(self, call: ast.Call, allowed: set[str], what: str) -> str:
        """The dotted name of the function ``call`` calls, if it is one of ``allowed``."""
        name = self.dotted(call.func)
        if name in allowed:
            return name
        shown = _show(call.func)
        if what == "a layer":
            _fail(call, f"{shown} is not a layer nnviz has; nnviz's networks are made of "
                        "Dense and Activation layers (after an optional Input).")
        if name is None:
            _fail(call, f"{what}: {shown} is not a Keras name nnviz knows; only "
                        "keras.layers, keras.models and keras.optimizers names are read.")
        _fail(call, f"{what}: {shown} is not something nnviz can read here.")

    def bind_import(self, node: ast.Import | ast.ImportFrom) -> None:
        """Remember what an ``import`` statement binds (only Keras's own modules)."""
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name not in _MODULES:
                    _fail(node, f"import of {alias.name!r}: nnviz reads only Keras's own "
                                "modules (keras, keras.layers, keras.models, keras.optimizers).")
                if alias.asname:
                    self.aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    self.aliases[top] = top
            return
        module = node.module or ""
        if node.level or module not in _MODULES:
            _fail(node, f"import from {module!r}: nnviz reads only Keras's own modules "
                        "(keras, keras.layers, keras.models, keras.optimizers).")
        for alias in node.names:
            if alias.name == "*":
                _fail(node, "'import *' hides what each name means; import the names you use.")
            self.aliases[alias.asname or alias.name] = f"{module}.{alias.name}"


# ---------------------------------------------------------------------- feature crosses
#: The function the lecture's code applies to ``x`` for feature crosses (nnviz.files.keras_code).
_FEATURES_FUNCTION = "add_features"


def _read_features(node: ast.FunctionDef) -> tuple[str, ...]:
    """The crosses of ``def add_features(x): return np.column_stack([x, <formulas>])``,
    each formula one of :data:`nnviz.data.features.FEATURES` as nnviz writes it."""
    formulas = {ast.unparse(ast.parse(f.formula)): f.name for f in _features.FEATURES.values()}
    body = [s for s in node.body if not (isinstance(s, ast.Expr)
                                         and isinstance(s.value, ast.Constant))]
    call = body[0].value if len(body) == 1 and isinstance(body[0], ast.Return) else None
    if (not isinstance(call, ast.Call) or ast.unparse(call.func) != "np.column_stack"
            or [a.arg for a in node.args.args] != ["x"] or len(call.args) != 1
            or not isinstance(call.args[0], ast.List) or not call.args[0].elts
            or ast.unparse(call.args[0].elts[0]) != "x"):
        _fail(node, f"'def {_FEATURES_FUNCTION}(x)' must return np.column_stack([x, ...]) "
                    "of feature crosses, as nnviz writes it.")
    chosen = []
    for element in call.args[0].elts[1:]:
        text = ast.unparse(element)
        if text not in formulas:
            _fail(element, f"{text} is not a feature cross nnviz has; it has "
                           f"{', '.join(ast.unparse(ast.parse(f)) for f in formulas)}.")
        chosen.append(formulas[text])
    return _features.ordered(chosen)


# ---------------------------------------------------------------------- reading
class _Reader:
    """Walks the statements of the code; collects layers and settings."""

    def __init__(self) -> None:
        self.names = _Names()
        self.input_dim: int | None = None
        self.input_line: int | None = None
        self.layers: list[_Layer] = []
        self.settings: dict = {}
        #: The line that set each setting (for a message about its value).
        self.setting_lines: dict[str, int] = {}
        self.model_line: int | None = None
        self.compiled = False
        #: The feature crosses of ``def add_features(x)`` (None: the code has none).
        self.features: tuple[str, ...] | None = None

    # -------------------------------------------------------------- statements
    def statement(self, node: ast.stmt) -> None:
        before = set(self.settings)
        self._statement(node)
        for key in set(self.settings) - before:
            self.setting_lines[key] = node.lineno

    def _statement(self, node: ast.stmt) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            self.names.bind_import(node)
            return
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            return  # a docstring
        if isinstance(node, ast.FunctionDef) and node.name == _FEATURES_FUNCTION:
            self.features = _read_features(node)
            return
        if isinstance(node, ast.Assign):
            self.assign(node)
            return
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            self.call(node.value)
            return
        _fail(node, f"{_statement_kind(node)} is not part of the lecture's Keras code; nnviz "
                    "reads imports, 'model = Sequential([...])', model.add, model.compile and "
                    "model.fit.")

    def assign(self, node: ast.Assign) -> None:
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            _fail(node, "only 'model = Sequential([...])' may assign something here.")
        target = node.targets[0].id
        value = node.value
        if self.features is not None and ast.unparse(node) == f"x = {_FEATURES_FUNCTION}(x)":
            return  # the data get the crosses the function makes
        if not isinstance(value, ast.Call) or self.names.dotted(value.func) not in _SEQUENTIAL:
            _fail(node, f"'{target} = {_show(value)[1:-1]}' is not a model; nnviz reads the "
                        "network from 'model = Sequential([...])' (the data come from the "
                        "project's data set).")
        if self.names.model is not None:
            _fail(node, "a second model; nnviz imports one Sequential model.")
        self.names.model = target
        self.model_line = node.lineno
        self.sequential(value)

    def sequential(self, call: ast.Call) -> None:
        for keyword in call.keywords:
            if keyword.arg == "name":
                _string(keyword.value, "Sequential's name")
            elif keyword.arg != "layers":
                _fail(call, f"Sequential({keyword.arg}=...) is not an argument nnviz reads.")
        items = list(call.args) + [k.value for k in call.keywords if k.arg == "layers"]
        if len(items) > 1:
            _fail(call, "Sequential takes one list of layers.")
        if not items:
            return  # model.add(...) follows
        if not isinstance(items[0], (ast.List, ast.Tuple)):
            _fail(items[0], f"Sequential's layers must be written as a list [...], not "
                            f"{_show(items[0])}.")
        for element in items[0].elts:
            self.layer(element)

    def call(self, call: ast.Call) -> None:
        func = call.func
        name = self.names.dotted(func)
        if name in _SET_FLOATX:
            if len(call.args) != 1 or call.keywords:
                _fail(call, "set_floatx takes one name: 'float32' or 'float64'.")
            dtype = _string(call.args[0], "set_floatx's argument")
            if dtype not in ("float32", "float64"):
                _fail(call, f"nnviz computes in float32 or float64, not {dtype!r}.")
            self.settings["dtype"] = dtype
            return
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                and self.names.model is not None and func.value.id == self.names.model:
            method = func.attr
            if method == "add":
                if len(call.args) != 1 or call.keywords:
                    _fail(call, "model.add takes one layer.")
                self.layer(call.args[0])
                return
            if method == "compile":
                self.compile(call)
                return
            if method == "fit":
                self.fit(call)
                return
            if method == "summary" and not call.args and not call.keywords:
                return
            _fail(call, f"model.{method}(...) is not something nnviz reads; it reads "
                        "model.add, model.compile and model.fit.")
        _fail(call, f"the call {_show(func)} is not part of the lecture's Keras code; "
                    "nnviz reads 'model = Sequential([...])', model.add, model.compile and "
                    "model.fit (and runs none of them).")

    # -------------------------------------------------------------- layers
    def layer(self, node: ast.AST) -> None:
        if not isinstance(node, ast.Call):
            _fail(node, f"{_show(node)} is not a layer; write Dense(...) or Activation(...).")
        kind = self.names.callee(node, _DENSE | _ACTIVATION | _INPUT, "a layer")
        if kind in _INPUT:
            self.input_layer(node)
        elif kind in _DENSE:
            self.dense(node)
        else:
            self.activation_layer(node)

    def input_layer(self, call: ast.Call) -> None:
        if self.layers or self.input_dim is not None:
            _fail(call, "Input(...) must come first, before every Dense layer.")
        shape = None
        for keyword in call.keywords:
            if keyword.arg in ("shape", "input_shape", "batch_shape"):
                shape = keyword.value
            elif keyword.arg not in ("name", "dtype"):
                _fail(call, f"Input({keyword.arg}=...) is not an argument nnviz reads.")
            elif keyword.arg == "name":
                _string(keyword.value, "Input's name")
            else:
                self.dtype_argument(keyword.value)
        if call.args:
            if len(call.args) > 1 or shape is not None:
                _fail(call, "Input takes one shape, like Input(shape=(2,)).")
            shape = call.args[0]
        if shape is None:
            _fail(call, "Input needs its shape, like Input(shape=(2,)).")
        self.input_dim = _shape(shape, "Input's shape")
        self.input_line = call.lineno

    def dtype_argument(self, node: ast.AST) -> None:
        dtype = _string(node, "dtype")
        if dtype not in ("float32", "float64"):
            _fail(node, f"nnviz computes in float32 or float64, not {dtype!r}.")
        self.settings["dtype"] = dtype

    def dense(self, call: ast.Call) -> None:
        units = activation = initializer = name = regularizer = None
        args = list(call.args)
        if len(args) > 2:
            _fail(call, "Dense takes its units and activation; write the others as name=value.")
        if args:
            units = args[0]
        if len(args) > 1:
            activation = args[1]
        for keyword in call.keywords:
            arg, value = keyword.arg, keyword.value
            if arg == "units":
                units = value
            elif arg == "activation":
                activation = value
            elif arg in ("input_shape", "input_dim"):
                if self.layers:
                    _fail(call, f"only the first layer takes {arg}.")
                dim = _shape(value, arg)
                if self.input_dim is not None and dim != self.input_dim:
                    _fail(call, f"{arg} says {dim} features but Input said {self.input_dim}.")
                self.input_dim, self.input_line = dim, call.lineno
            elif arg == "kernel_initializer":
                initializer = _string(value, "kernel_initializer")
                if initializer.lower() not in _initializers.names():
                    _fail(value, f"the initializer {initializer!r} is not one nnviz has "
                                 f"({', '.join(_initializers.names())}).")
                initializer = initializer.lower()
            elif arg == "name":
                name = _string(value, "the layer's name")
            elif arg == "use_bias":
                if _literal(value, "use_bias") is not True:
                    _fail(value, "nnviz's layers always have a bias (use_bias=True).")
            elif arg == "dtype":
                self.dtype_argument(value)
            elif arg == "kernel_regularizer":
                regularizer = self.regularizer(value)
            elif arg == "bias_regularizer":
                if self.regularizer(value) is not None:
                    _fail(value, "nnviz's Regularization setting puts the penalty on the "
                                 "weights only, not the biases (as TensorFlow Playground); "
                                 "remove bias_regularizer.")
            elif arg is None:
                _fail(call, "'**' arguments hide what they hold; write each as name=value.")
            else:
                _fail(call, f"Dense({arg}=...) is not an argument nnviz reads; it reads units, "
                            "activation, input_shape, input_dim, kernel_initializer, "
                            "kernel_regularizer, use_bias and name.")
        if units is None:
            _fail(call, "Dense needs its number of units, like Dense(units=3).")
        n = _int(units, "Dense's units")
        act = "linear" if activation is None else self.activation_name(activation)
        if not self.layers and self.input_dim is None:
            _fail(call, "the first layer needs input_shape=(n,) (or an Input(shape=(n,)) "
                        "before it): nnviz must know how many features go in.")
        self.layers.append(_Layer(n, act, initializer or "glorot_uniform", name, call.lineno,
                                  regularizer))

    def regularizer(self, node: ast.AST):
        """A regularizer written as a name (``'l2'``), ``None`` or ``L2(0.01)``/``L1(l1=...)``/
        ``L1L2(l1=..., l2=...)`` with literal factors."""
        if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, str)):
            try:
                return _regularizers.get(node.value)
            except ValueError:
                _fail(node, f"the regularizer {node.value!r} is not one nnviz has "
                            f"({', '.join(_regularizers.names())}).")
        if not isinstance(node, ast.Call):
            _fail(node, f"a regularizer must be a name like 'l2' or L2(0.01), not {_show(node)}.")
        cls = _REGULARIZER_CLASSES[self.names.callee(node, set(_REGULARIZER_CLASSES),
                                                     "the regularizer")]
        factors = list(cls().get_config())
        if len(node.args) > len(factors):
            _fail(node, f"{cls.keras_class} takes {' and '.join(factors)}.")
        values = {key: _number(arg, key) for key, arg in zip(factors, node.args)}
        for keyword in node.keywords:
            if keyword.arg is None or keyword.arg not in factors:
                _fail(node, f"{cls.keras_class}({keyword.arg}=...) is not an argument nnviz "
                            f"reads; it reads {' and '.join(factors)}.")
            values[keyword.arg] = _number(keyword.value, keyword.arg)
        try:
            return cls(**values)
        except ValueError as error:
            _fail(node, str(error))

    def activation_name(self, node: ast.AST) -> str:
        if isinstance(node, ast.Constant) and node.value is None:
            return "linear"
        name = _string(node, "the activation")
        try:
            return _activations.get(name).name
        except ValueError:
            _fail(node, f"the activation {name!r} is not one nnviz has "
                        f"({', '.join(_activations.names())}).")

    def activation_layer(self, call: ast.Call) -> None:
        args = list(call.args) + [k.value for k in call.keywords if k.arg == "activation"]
        others = [k.arg for k in call.keywords if k.arg not in ("activation", "name")]
        if len(args) != 1 or others:
            _fail(call, "Activation takes one activation name, like Activation('relu').")
        name = self.activation_name(args[0])
        if not self.layers:
            _fail(call, "an Activation layer must follow a Dense layer.")
        last = self.layers[-1]
        if last.activation != "linear":
            _fail(call, f"the Dense layer before already has the activation '{last.activation}'; "
                        "nnviz's layers have one activation each.")
        last.activation = name

    # -------------------------------------------------------------- compile and fit
    def compile(self, call: ast.Call) -> None:
        if self.compiled:
            _fail(call, "model.compile is called twice.")
        self.compiled = True
        if call.args:
            _fail(call, "write compile's arguments as optimizer=..., loss=....")
        for keyword in call.keywords:
            arg, value = keyword.arg, keyword.value
            if arg == "optimizer":
                self.optimizer(value)
            elif arg == "loss":
                loss = _string(value, "the loss")
                try:
                    self.settings["loss"] = _losses.canonical(loss)
                except ValueError:
                    _fail(value, f"the loss {loss!r} is not one nnviz has "
                                 f"(mse, mae, {', '.join(_losses.names())}).")
            elif arg == "metrics":
                metrics = _literal(value, "metrics")
                if not isinstance(metrics, (list, tuple)) or \
                        any(m not in ("accuracy", "acc") for m in metrics):
                    _fail(value, f"nnviz measures metrics=['accuracy'] (or none), not {metrics!r}.")
                self.settings["metrics"] = ["accuracy"] if metrics else []
            else:
                _fail(call, f"compile({arg}=...) is not an argument nnviz reads; it reads "
                            "optimizer, loss and metrics.")

    def optimizer(self, node: ast.AST) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            name = node.value.lower()
            if name not in _optimizers.OPTIMIZERS:
                known = ", ".join(repr(n) for n in _optimizers.names())
                _fail(node, f"the optimizer {node.value!r} is not one nnviz has ({known}).")
            # A name takes Keras's defaults, read from the optimizer's constructor.
            self.settings.update(optimizer=name,
                                 learning_rate=_optimizers.keras_learning_rate(name),
                                 momentum=_optimizers.options(name).get("momentum", 0.0),
                                 optimizer_options={})
            return
        if not isinstance(node, ast.Call):
            _fail(node, f"the optimizer must be a name like 'sgd' or SGD(learning_rate=...), "
                        f"not {_show(node)}.")
        cls = self.names.callee(node, set(_OPTIMIZER_CLASSES), "the optimizer")
        name = _OPTIMIZER_CLASSES[cls]
        options = _optimizers.options(name)
        if len(node.args) > 1:
            _fail(node, "write the optimizer's arguments as name=value, after learning_rate.")
        values = {}
        if node.args:
            values["learning_rate"] = _number(node.args[0], "the learning rate")
        for keyword in node.keywords:
            arg = keyword.arg
            if arg == "learning_rate":
                values[arg] = _number(keyword.value, "the learning rate")
            elif arg is not None and arg in options:  # None: a **dict
                if isinstance(options[arg], bool):
                    flag = _literal(keyword.value, arg)
                    if not isinstance(flag, bool):
                        _fail(keyword.value, f"{arg} must be True or False, not {flag!r}.")
                    values[arg] = flag
                else:
                    values[arg] = _number(keyword.value, arg)
            else:
                allowed = ", ".join(["learning_rate", *options])
                _fail(node, f"{cls.rsplit('.', 1)[1]}({arg}=...) is not an argument nnviz "
                            f"reads; it reads {allowed}.")
        lr = values.pop("learning_rate", _optimizers.keras_learning_rate(name))
        momentum = values.pop("momentum", options.get("momentum", 0.0))
        self.settings.update(optimizer=name, learning_rate=lr, momentum=momentum,
                             optimizer_options=values)

    def fit(self, call: ast.Call) -> None:
        for keyword in call.keywords:
            arg, value = keyword.arg, keyword.value
            if arg == "epochs":
                self.settings["epochs"] = _int(value, "epochs")
            elif arg == "batch_size":
                self.settings["batch_size"] = _int(value, "batch_size")
            elif arg == "shuffle":
                flag = _literal(value, "shuffle")
                if not isinstance(flag, bool):
                    _fail(value, f"shuffle must be True or False, not {flag!r}.")
                self.settings["shuffle"] = flag
            elif arg in ("verbose", "validation_split"):
                _literal(value, arg)  # accepted, not mapped: the data set decides the split
            elif arg in ("x", "y"):
                self.data_argument(value)
            else:
                _fail(call, f"fit({arg}=...) is not an argument nnviz reads; it reads epochs, "
                            "batch_size and shuffle (the data come from the project's data set).")
        if len(call.args) > 2:
            _fail(call, "write fit's arguments after x and y as name=value (epochs=..., "
                        "batch_size=...).")
        for arg in call.args:
            self.data_argument(arg)

    def data_argument(self, node: ast.AST) -> None:
        if not isinstance(node, ast.Name):
            _fail(node, f"fit's data must be plain names like x and y, not {_show(node)} "
                        "(nnviz trains on the project's data set).")

    # -------------------------------------------------------------- result
    def regularization(self) -> None:
        """The layers' kernel regularizers as the Regularization setting: one L1 or L2 on
        every layer, or none at all ("none": layers without one say so, whatever was set)."""
        try:
            setting = _regularizers.as_window_setting(
                [layer.regularizer for layer in self.layers], [None] * len(self.layers))
        except _regularizers.SettingError as error:
            raise KerasImportError(f"{error}; give every Dense layer the same "
                                   "kernel_regularizer=L1(...) or L2(...).",
                                   self.layers[error.index].line) from None
        if setting is None:
            self.settings["regularization"] = "none"
            return
        self.settings.update(regularization=setting[0], regularization_rate=setting[1])
        self.setting_lines["regularization"] = self.layers[0].line
        self.setting_lines["regularization_rate"] = self.layers[0].line

    def design(self) -> Design:
        if not self.layers:
            _fail(None, "the code holds no Dense layer: nnviz reads 'model = Sequential("
                        "[Dense(...), ...])'.")
        design = Design()
        n = len(self.layers)
        x0 = -LAYER_SPACING * n / 2
        try:
            ids = [design.add_layer("input", x=x0, y=0.0, units=self.input_dim)]
        except DesignError as error:
            raise KerasImportError(str(error), self.input_line) from error
        for k, layer in enumerate(self.layers):
            kind = "output" if k == n - 1 else "hidden"
            try:
                ids.append(design.add_layer(kind, x=x0 + LAYER_SPACING * (k + 1), y=0.0,
                                            units=layer.units, activation=layer.activation,
                                            name=layer.name, initializer=layer.initializer))
                design.connect(ids[-2], ids[-1])
            except DesignError as error:
                raise KerasImportError(str(error), layer.line) from error
        design.undo_stack.clear()
        return design


def _statement_kind(node: ast.stmt) -> str:
    kinds = {ast.FunctionDef: "a function", ast.AsyncFunctionDef: "a function",
             ast.ClassDef: "a class", ast.For: "a loop", ast.While: "a loop",
             ast.If: "an if statement", ast.With: "a with statement", ast.Try: "a try statement",
             ast.Delete: "del", ast.Global: "global", ast.Nonlocal: "nonlocal",
             ast.AugAssign: "an assignment", ast.AnnAssign: "an assignment",
             ast.Return: "return", ast.Raise: "raise", ast.Assert: "assert"}
    for cls, text in kinds.items():
        if isinstance(node, cls):
            return text.capitalize()
    return f"The statement {_show(node)}"


def _refuse_packed_arguments(tree: ast.AST) -> None:
    """Refuse the first call (in the code's order) whose arguments come packed
    (``f(*args)``, ``L2(**opts)``): nnviz runs nothing, so it cannot know them; without
    this they were read as an argument named None."""
    packed = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and (
        any(keyword.arg is None for keyword in node.keywords)
        or any(isinstance(arg, ast.Starred) for arg in node.args))]
    if packed:
        node = min(packed, key=lambda n: (n.lineno, n.col_offset))
        callee = ast.unparse(node.func)
        if len(callee) > 40:
            callee = callee[:40] + "…"
        _fail(node, f"{callee}(...) takes its arguments from * or ** (a list or a dict), which "
                    "nnviz does not run; write each one out, as name=value.")


def parse_keras(text: str) -> tuple[Design, dict]:
    """The design and training settings the lecture's Keras ``text`` describes.

    Returns ``(design, settings)``: a new :class:`~nnviz.document.Design` (input, hidden
    ..., output, wired left to right, no weights yet; its undo stack empty) and a dict of
    the training settings the code sets (``loss``, ``optimizer``, ``learning_rate``,
    ``momentum``, ``optimizer_options``, ``metrics``, ``epochs``, ``batch_size``,
    ``shuffle``, ``dtype``; only those it names; and always ``regularization``, from the
    layers' ``kernel_regularizer``: "none" without), validated as
    :class:`~nnviz.files.project.TrainingSettings` would. Raises :class:`KerasImportError`
    with the line and the reason for anything it cannot map. Nothing in ``text`` runs.
    """
    if not isinstance(text, str):
        raise KerasImportError("The Keras code must be text.")
    if len(text) > MAX_CODE_CHARS:
        raise KerasImportError(f"The code is {len(text):,} characters long; nnviz reads at most "
                               f"{MAX_CODE_CHARS:,} (a network's code is far shorter).")
    try:
        tree = ast.parse(text, mode="exec")
    except SyntaxError as error:
        raise KerasImportError(f"this is not valid Python: {error.msg}.", error.lineno) from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise KerasImportError(f"the code cannot be read: {type(error).__name__}.") from None
    _refuse_packed_arguments(tree)
    reader = _Reader()
    try:
        for node in tree.body:
            reader.statement(node)
    except RecursionError:
        raise KerasImportError("the code is nested too deeply to read.") from None
    if reader.names.model is None:
        raise KerasImportError("the code makes no model: nnviz reads 'model = Sequential([...])'.")
    design = reader.design()
    reader.regularization()
    settings = dict(reader.settings)
    defaults = TrainingSettings().to_dict()
    optimizer_keys = ("optimizer", "learning_rate", "momentum", "optimizer_options")
    for key in settings:  # each alone first, so that a refusal names its own line
        together = {k: settings[k] for k in optimizer_keys if k in settings} \
            if key in optimizer_keys else {}
        try:
            TrainingSettings.from_dict({**defaults, **together, key: settings[key]},
                                       where="training")
        except ProjectFileError as error:
            raise KerasImportError(str(error), reader.setting_lines.get(key)) from error
    try:
        checked = TrainingSettings.from_dict({**defaults, **settings}, where="training").to_dict()
    except ProjectFileError as error:
        raise KerasImportError(str(error)) from error
    settings = {key: checked[key] for key in settings}
    if reader.features is not None:
        settings["features"] = reader.features
    return design, settings
