"""Checks for chapter 8's TensorFlow code that return plain NumPy values.

Each check takes the code under test (a function, a layer class, a model builder or a
training loop) as its first argument, runs it with TensorFlow, and returns NumPy arrays,
numbers, strings and lists, which the tests then compare with references. For example

    out, (dx, dW, db) = gradients(dense, [x, W, b], upstream, mode="xla")

runs `dense(x, W, b)` inside `tf.function(jit_compile=True)` under a `GradientTape` and
returns the output and the gradients of `sum(output * upstream)` with respect to each
input.

Why plain values: the autograder keeps a learner's code in a sandbox and lets only
plain data out of it. When a check is handed the grader's stand-in for a learner's
function (an object whose class has a `run_beside` method), it asks the grader to run
the check next to the learner's code, in the sandbox, and receives its plain result. In
a notebook the check simply runs where it is called.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence

import numpy as np

MODES = ("eager", "function", "xla")


def beside_learner(check: Callable | None = None, *, policy: str = "float32") -> Callable:
    """Mark `check(target, ...)` as runnable in the process that holds `target`.

    The check runs under the Keras dtype policy `policy`, whatever policy the notebook
    left set (a learner who tried mixed precision and forgot to switch it off is not
    graded in float16), and the notebook's policy is restored afterwards.
    """
    if check is None:
        return functools.partial(beside_learner, policy=policy)
    path = f"{check.__module__}:{check.__name__}"

    @functools.wraps(check)
    def guarded(*args, **kwargs):
        with _keras_policy(policy):
            return check(*args, **kwargs)

    @functools.wraps(check)
    def run(target, *args, **kwargs):
        forward = getattr(type(target), "run_beside", None)
        if forward is not None:
            return forward(target, path, args, kwargs)
        return guarded(target, *args, **kwargs)

    run.check = guarded
    return run


@contextlib.contextmanager
def _keras_policy(name: str):
    import keras

    before = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(before)


def _tf():
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # retracing notices would reach the test's stderr
    return tf


def _numpy(value):
    """A tensor, variable or array as a fresh NumPy array (None stays None)."""
    if value is None:
        return None
    tf = _tf()
    if isinstance(value, tf.IndexedSlices):
        value = tf.convert_to_tensor(value)
    if hasattr(value, "numpy"):
        return np.array(value.numpy())
    return np.array(value)


def _dtype_name(value) -> str:
    """"float32" for a tensor, a Keras variable (whose dtype is a string) or an array."""
    dtype = value.dtype
    return str(getattr(dtype, "name", dtype))


def _compile(function: Callable, mode: str) -> Callable:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if mode == "eager":
        return function
    return _tf().function(function, autograph=False, jit_compile=mode == "xla")


@beside_learner
def gradients(function: Callable, inputs: Sequence[np.ndarray],
              upstream: np.ndarray | None = None, *, mode: str = "eager",
              ) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """Output of `function(*inputs)` and its gradients with respect to the inputs.

    Args:
        function: takes TensorFlow tensors, returns one tensor.
        inputs: NumPy arrays, passed as constants of their own dtype. Floating ones are
            watched by the tape; integer ones (labels) get the gradient None.
        upstream: dL/d(output), same shape as the output (default: ones).
        mode: "eager", "function" (inside `tf.function`) or "xla"
            (`tf.function(jit_compile=True)`).

    Returns:
        (output, grads): the output as an array, and for each input the array
        sum(upstream * d output / d input) of the input's shape, or None.
    """
    tf = _tf()
    watched = [i for i, value in enumerate(inputs) if np.asarray(value).dtype.kind == "f"]
    seed = None if upstream is None else tf.constant(upstream)

    def run(*tensors):
        with tf.GradientTape() as tape:
            for i in watched:
                tape.watch(tensors[i])
            output = function(*tensors)
        return output, tape.gradient(output, [tensors[i] for i in watched],
                                     output_gradients=seed)

    output, grads = _compile(run, mode)(*[tf.constant(value) for value in inputs])
    result: list[np.ndarray | None] = [None] * len(inputs)
    for i, grad in zip(watched, grads, strict=True):
        result[i] = _numpy(grad)
    return _numpy(output), result


@beside_learner
def layer_report(layer_class: Callable, x: np.ndarray, upstream: np.ndarray, *, units: int,
                 activation: str | None = None, mode: str = "eager") -> dict:
    """Build `layer_class(units, activation=activation)` on `x` and differentiate it.

    The layer's weights must be its attributes `kernel`, shape (n_in, units), and `bias`,
    shape (units,), as in Keras's own `Dense`.

    Returns:
        A dict of arrays `output`, `kernel`, `bias`, `dx`, `dkernel`, `dbias` (the
        gradients of sum(upstream * output)), `trainable` (the number of trainable weight
        arrays), `config_units` and `config_activation` (read back from a layer rebuilt
        with `from_config(get_config())`) and `output_dtype`.
    """
    tf = _tf()
    layer = layer_class(units, activation=activation)
    x_tensor, seed = tf.constant(x), tf.constant(upstream)
    layer(x_tensor)  # builds the weights

    def run(inputs):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            output = layer(inputs)
        return output, tape.gradient(output, [inputs, layer.kernel, layer.bias],
                                     output_gradients=seed)

    output, (dx, dkernel, dbias) = _compile(run, mode)(x_tensor)
    rebuilt = type(layer).from_config(layer.get_config())
    return {"output": _numpy(output), "output_dtype": _dtype_name(output),
            "kernel": _numpy(layer.kernel), "bias": _numpy(layer.bias),
            "dx": _numpy(dx), "dkernel": _numpy(dkernel), "dbias": _numpy(dbias),
            "trainable": len(layer.trainable_weights),
            "config_units": int(rebuilt.units), "config_activation": rebuilt.activation}


@beside_learner
def model_report(build_model: Callable, layer_sizes: Sequence[int], x: np.ndarray,
                 dtype: str | None = None) -> dict:
    """Build `build_model(layer_sizes)` (with `dtype=dtype` if one is given) and run it
    on `x`.

    Returns:
        A dict: `layers` (the class name of each layer), `params` (a list of
        [kernel, bias] arrays, one pair per layer with weights), `count` (the model's
        number of parameters) and `output` (the model's output for x).
    """
    model = build_model(list(layer_sizes)) if dtype is None else \
        build_model(list(layer_sizes), dtype=dtype)
    output = model(_tf().constant(x))
    return {"layers": [type(layer).__name__ for layer in model.layers],
            "params": [[_numpy(weight) for weight in layer.weights]
                       for layer in model.layers if layer.weights],
            "count": int(model.count_params()), "output": _numpy(output)}


def _training(train_tf: Callable, params: Sequence[tuple[np.ndarray, np.ndarray]],
              X: np.ndarray, y: np.ndarray, dtype: str | None, **settings) -> dict:
    """Build a Keras `Dense` ReLU network at `params` (layers of `dtype`, None for the
    global policy), train it with `train_tf(model, X, y, **settings)`, report."""
    import keras

    tf = _tf()
    graphs = []

    class GraphRecorder(keras.layers.Layer):
        """Passes its input through and notes the graph it is traced in, if any."""

        def call(self, inputs):
            if not tf.executing_eagerly():
                graphs.append(tf.compat.v1.get_default_graph())
            return inputs

    layers = [keras.Input(shape=(np.asarray(params[0][0]).shape[0],), dtype=dtype),
              GraphRecorder(dtype=dtype)]
    for i, (W, _) in enumerate(params):
        last = i == len(params) - 1
        layers.append(keras.layers.Dense(np.asarray(W).shape[1], dtype=dtype,
                                         activation=None if last else "relu"))
    model = keras.Sequential(layers)
    model.set_weights([np.asarray(array) for pair in params for array in pair])
    graphs.clear()  # building the model traced it symbolically; only train_tf's graphs count
    history = train_tf(model, X, y, **settings)
    if isinstance(history, dict):
        history = {str(key): [float(_numpy(value)) for value in values]
                   for key, values in history.items()}
    graph = _graph_data(graphs[-1].as_graph_def()) if graphs else np.zeros(0, np.uint8)
    return {"history": history, "graph": graph,
            "params": [[_numpy(weight) for weight in layer.weights]
                       for layer in model.layers if layer.weights]}


@beside_learner
def training_report(train_tf: Callable, params: Sequence[tuple[np.ndarray, np.ndarray]],
                    X: np.ndarray, y: np.ndarray, *, epochs: int, lr: float,
                    batch_size: int, seed: int) -> dict:
    """Train a Keras `Dense` ReLU network that starts at `params` with `train_tf`.

    The model is built here from Keras's own layers (in the dtype of `params`), so a
    check of the training loop does not depend on any other exercise.

    Returns:
        A dict: `history` (what train_tf returned), `params` (the trained [kernel, bias]
        arrays, one pair per layer) and `graph` (the last graph in which the model was
        traced, serialized as a uint8 array, empty if it only ever ran eagerly).
    """
    return _training(train_tf, params, X, y, np.asarray(params[0][0]).dtype.name,
                     epochs=epochs, lr=lr, batch_size=batch_size, seed=seed)


@beside_learner(policy="mixed_float16")
def mixed_training_report(train_tf: Callable, params: Sequence[tuple[np.ndarray, np.ndarray]],
                          X: np.ndarray, y: np.ndarray, *, epochs: int, lr: float,
                          batch_size: int, seed: int) -> dict:
    """`training_report` for a network under the `mixed_float16` policy: float16
    computation, float32 weights (`params` are cast to float32)."""
    return _training(train_tf, params, X, y, None,
                     epochs=epochs, lr=lr, batch_size=batch_size, seed=seed)


def float16_underflow(model16, model32, X: np.ndarray, y: np.ndarray, loss: Callable, *,
                      loss_scale: float) -> dict:
    """How many gradient entries float16 loses to underflow, at a given loss scale.

    `model16` (under `mixed_float16`) and `model32` (float32) hold the same weights.
    The gradient of `loss_scale * loss(logits, y)` is taken in both and divided by
    `loss_scale`; an entry is lost when the float32 gradient is not zero but the
    mixed-precision one is exactly zero.

    Returns:
        {"lost": lost entries, "nonzero": nonzero float32 entries, "share": lost / nonzero,
         "largest_error": the largest relative error of a weight gradient}
    """
    tf = _tf()

    def weight_gradients(model):
        with tf.GradientTape() as tape:
            logits = tf.cast(model(tf.constant(X), training=True), tf.float32)
            scaled = loss(logits, tf.constant(y)) * loss_scale
        return [_numpy(grad) / loss_scale
                for grad in tape.gradient(scaled, model.trainable_variables)]

    exact, mixed = weight_gradients(model32), weight_gradients(model16)
    lost = sum(int(np.sum((m == 0) & (e != 0))) for m, e in zip(mixed, exact, strict=True))
    nonzero = sum(int(np.sum(e != 0)) for e in exact)
    error = max(float(np.max(np.abs(m - e)) / np.max(np.abs(e)))
                for m, e in zip(mixed, exact, strict=True))
    return {"lost": lost, "nonzero": nonzero, "share": lost / max(nonzero, 1),
            "largest_error": error}


@beside_learner(policy="mixed_float16")
def mixed_precision_report(layer_class: Callable, x: np.ndarray, *, units: int) -> dict:
    """Run `layer_class(units, activation="relu")` under the `mixed_float16` policy.

    The global policy is restored afterwards. Returns a dict of dtype names
    (`output`, `kernel`, `bias`, `dkernel`, `dbias`) and arrays `output`, `dkernel`,
    `dbias`, the gradients of the float32 sum of the output.
    """
    tf = _tf()
    layer = layer_class(units, activation="relu")
    inputs = tf.constant(x)
    with tf.GradientTape() as tape:
        output = layer(inputs)
        loss = tf.reduce_sum(tf.cast(output, tf.float32))
    dkernel, dbias = tape.gradient(loss, [layer.kernel, layer.bias])
    return {"dtypes": {name: _dtype_name(value) for name, value in [
                ("output", output), ("kernel", layer.kernel), ("bias", layer.bias),
                ("dkernel", dkernel), ("dbias", dbias)]},
            "output": _numpy(output), "dkernel": _numpy(dkernel), "dbias": _numpy(dbias)}


# --- Graph evidence: how a result was computed, re-checked outside the sandbox ----------
#
# Values alone cannot tell whether a gradient came from the learner's formula or from
# TensorFlow's automatic differentiation. The checks below trace the code under test
# inside `tf.function` and send back the traced graph (a serialized GraphDef, as a uint8
# array: plain data). `read_graph` parses it in the trusted process, which then inspects
# its operations (a `tf.custom_gradient` leaves an `IdentityN` op whose attribute
# `_gradient_op_type` is "CustomGradient-..."; TensorFlow's own gradient rules leave ops
# in a "gradient_tape/" or "gradients/" name scope, and kernels such as `BiasAddGrad`)
# and runs the graph itself on inputs of its own choosing, so a graph that was forged in
# the sandbox still has to compute the right values, with the right operations.

MAX_GRAPH_BYTES = 32 * 2**20
MAX_GRAPH_NODES = 5_000
MAX_TENSOR_ELEMENTS = 2**20
AUTODIFF_SCOPES = ("gradient_tape", "gradients")
# Kernels that only TensorFlow's registered gradient rules emit for the operations of
# this chapter's layers and losses (a hand-written gradient has no use for them).
GRADIENT_KERNELS = frozenset({"BiasAddGrad", "BroadcastGradientArgs", "UnsortedSegmentSum",
                              "Reciprocal", "SigmoidGrad", "TanhGrad", "SoftmaxGrad"})
BUILTIN_LOSSES = frozenset({"SparseSoftmaxCrossEntropyWithLogits",
                            "SoftmaxCrossEntropyWithLogits", "LogSoftmax"})
UPDATES = frozenset({"AssignSubVariableOp", "AssignVariableOp", "AssignAddVariableOp",
                     "ResourceApplyGradientDescent"})
# Operations a graph may contain for the trusted process to run it: pure tensor
# arithmetic, no files, no Python, no control flow, no variables.
RUNNABLE = frozenset({
    "Placeholder", "Const", "Identity", "IdentityN", "NoOp", "StopGradient", "PreventGradient",
    "MatMul", "BatchMatMulV2", "BatchMatMulV3", "Einsum", "Transpose", "BiasAdd", "BiasAddGrad",
    "Add", "AddV2", "AddN", "Sub", "Mul", "RealDiv", "Div", "DivNoNan", "FloorDiv", "FloorMod",
    "Neg", "Abs", "Sign", "Square", "Sqrt", "Rsqrt", "Reciprocal", "Exp", "Log", "Log1p",
    "Maximum", "Minimum", "Max", "Min", "Sum", "Mean", "Prod", "Cast", "Shape", "Size", "Rank",
    "Reshape", "ExpandDims", "Squeeze", "StridedSlice", "Slice", "Pack", "Unpack", "ConcatV2",
    "GatherV2", "GatherNd", "OneHot", "Range", "Fill", "ZerosLike", "OnesLike", "Tile",
    "BroadcastTo", "BroadcastGradientArgs", "UnsortedSegmentSum", "Softmax", "LogSoftmax",
    "SparseSoftmaxCrossEntropyWithLogits", "SoftmaxCrossEntropyWithLogits", "Relu",
    "ReluGrad", "Sigmoid", "SigmoidGrad", "Tanh", "TanhGrad", "Greater", "GreaterEqual",
    "Less", "LessEqual", "Equal", "NotEqual", "LogicalAnd", "LogicalOr", "LogicalNot",
    "Select", "SelectV2", "IsFinite", "All", "Any"})


def _graph_data(graph_def) -> np.ndarray:
    return np.frombuffer(graph_def.SerializeToString(), dtype=np.uint8).copy()


def _specs(inputs: Sequence[np.ndarray]):
    tf = _tf()
    return [tf.TensorSpec(np.shape(value), tf.as_dtype(np.asarray(value).dtype),
                          name=f"input_{i}") for i, value in enumerate(inputs)]


@beside_learner
def gradient_graph(function: Callable, inputs: Sequence[np.ndarray],
                   upstream: np.ndarray | None = None) -> dict:
    """The graph of `function(*inputs)` and its gradients, traced with `tf.function`.

    The same computation as `gradients(function, inputs, upstream, mode="function")`,
    but what comes back is the traced graph: placeholders `input_0`, `input_1`, ...
    (and `upstream`), outputs `output` and `gradient_i` for each floating input i whose
    gradient is not None. Read it with `read_graph`.

    Returns:
        {"graph": the serialized GraphDef as a uint8 array}
    """
    tf = _tf()
    watched = [i for i, value in enumerate(inputs) if np.asarray(value).dtype.kind == "f"]
    seed = np.ones(()) if upstream is None else np.asarray(upstream)

    def run(*tensors):
        *arguments, seed_tensor = tensors
        with tf.GradientTape() as tape:
            for i in watched:
                tape.watch(arguments[i])
            output = function(*arguments)
        output = tf.convert_to_tensor(output)
        grads = tape.gradient(output, [arguments[i] for i in watched],
                              output_gradients=tf.broadcast_to(seed_tensor, tf.shape(output)))
        named = [tf.identity(output, name="output")]
        named += [tf.identity(grad, name=f"gradient_{i}")
                  for i, grad in zip(watched, grads, strict=True) if grad is not None]
        return named

    specs = [*_specs(inputs), tf.TensorSpec(seed.shape, tf.as_dtype(seed.dtype), name="upstream")]
    traced = tf.function(run, autograph=False).get_concrete_function(*specs)
    return {"graph": _graph_data(traced.graph.as_graph_def())}


@beside_learner
def layer_graph(layer_class: Callable, x: np.ndarray, upstream: np.ndarray, *, units: int,
                activation: str | None = None) -> dict:
    """The traced graph of `layer_class(units, activation=activation)` and its gradients.

    The layer is built on `x`; its weights become constants of the graph (read back as
    the outputs `kernel` and `bias`). Placeholders `input_0` (x) and `upstream`; outputs
    `output`, `kernel`, `bias`, `gradient_x`, `gradient_kernel`, `gradient_bias`.

    Returns:
        {"graph": the serialized GraphDef as a uint8 array}
    """
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    tf = _tf()
    layer = layer_class(units, activation=activation)
    layer(tf.constant(x))  # builds the weights

    def run(inputs, seed):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            output = layer(inputs)
        grads = tape.gradient(output, [inputs, layer.kernel, layer.bias], output_gradients=seed)
        named = [tf.identity(output, name="output"),
                 tf.identity(tf.convert_to_tensor(layer.kernel), name="kernel"),
                 tf.identity(tf.convert_to_tensor(layer.bias), name="bias")]
        return named + [tf.identity(grad, name=f"gradient_{name}") for name, grad in
                        zip(["x", "kernel", "bias"], grads, strict=True) if grad is not None]

    traced = tf.function(run, autograph=False).get_concrete_function(
        *_specs([x]), tf.TensorSpec(np.shape(upstream), tf.as_dtype(np.asarray(upstream).dtype),
                                    name="upstream"))
    frozen = convert_variables_to_constants_v2(traced)
    return {"graph": _graph_data(frozen.graph.as_graph_def())}


class GraphRejected(ValueError):
    """A graph that is too large, malformed, or holds operations that may not run here."""


class TracedGraph:
    """A graph sent back by `gradient_graph`, `layer_graph` or `training_report`, read in
    the trusted process: its operations, and (for graphs of plain tensor arithmetic) the
    values it computes from inputs chosen here.
    """

    def __init__(self, data: np.ndarray) -> None:
        tf = _tf()
        data = np.asarray(data)
        if data.dtype != np.uint8 or data.ndim != 1 or not 0 < data.size <= MAX_GRAPH_BYTES:
            raise GraphRejected("no graph, or not a serialized graph")
        try:
            self.graph_def = tf.compat.v1.GraphDef.FromString(data.tobytes())
        except Exception as error:  # noqa: BLE001 - any parse failure rejects the graph
            raise GraphRejected(f"not a graph: {type(error).__name__}") from None
        self.nodes = list(self.graph_def.node)
        for function in self.graph_def.library.function:
            self.nodes += list(function.node_def)
        if len(self.nodes) > MAX_GRAPH_NODES:
            raise GraphRejected(f"the graph has more than {MAX_GRAPH_NODES} operations")
        self._by_name = {node.name: node for node in self.graph_def.node}

    def ops(self, *types: str) -> list[str]:
        """Names of the nodes whose operation is one of `types`."""
        return [node.name for node in self.nodes if node.op in types]

    def custom_gradients(self) -> list[int]:
        """For each `tf.custom_gradient` in the graph, the number of tensors it joins
        (its outputs plus its inputs: 4 for dense(x, W, b), 3 for a loss(logits, labels))."""
        found = []
        for node in self.nodes:
            kind = node.attr["_gradient_op_type"].s.decode(errors="replace") \
                if "_gradient_op_type" in node.attr else ""
            if node.op == "IdentityN" and kind.startswith("CustomGradient-"):
                found.append(sum(1 for name in node.input if not name.startswith("^")))
        return found

    def autodiff(self) -> list[str]:
        """Operations made by TensorFlow's own gradient rules: "Op (name)" for each node in
        a "gradient_tape/" or "gradients/" name scope, or whose kernel only those rules use."""
        found = []
        for node in self.nodes:
            scopes = node.name.split("/")[:-1]
            if node.op in GRADIENT_KERNELS or any(scope.startswith(AUTODIFF_SCOPES)
                                                  for scope in scopes):
                found.append(f"{node.op} ({node.name})")
        return found

    def builtin_losses(self) -> list[str]:
        """Operations of TensorFlow's built-in softmax losses (and log-softmax)."""
        return self.ops(*BUILTIN_LOSSES)

    def updates(self) -> list[str]:
        """Operations that write a variable (the SGD update)."""
        return self.ops(*UPDATES)

    def depends_on_custom_gradient(self, output: str) -> bool:
        """Whether the node `output` is computed from a `tf.custom_gradient` block."""
        pending, seen = [output], set()
        while pending:
            node = self._by_name.get(pending.pop().lstrip("^").split(":")[0])
            if node is None or node.name in seen:
                continue
            seen.add(node.name)
            if node.op == "IdentityN" and "_gradient_op_type" in node.attr:
                return True
            pending += list(node.input)
        return False

    def has(self, name: str) -> bool:
        return name in self._by_name

    def run(self, feeds: dict[str, np.ndarray], fetches: Sequence[str]) -> list[np.ndarray]:
        """Run the graph here: feed the placeholders named in `feeds`, return `fetches`.

        Only graphs of plain tensor arithmetic (the operations in RUNNABLE, no functions)
        whose every tensor has a known shape of at most MAX_TENSOR_ELEMENTS entries run.
        """
        tf = _tf()
        if self.graph_def.library.function:
            raise GraphRejected("the graph calls functions of its own (a nested tf.function?)")
        strange = sorted({node.op for node in self.nodes} - RUNNABLE)
        if strange:
            raise GraphRejected(f"the graph holds operations that are not run here: {strange}")
        graph = tf.Graph()
        with graph.as_default():
            try:
                tf.graph_util.import_graph_def(self.graph_def, name="")
            except Exception as error:  # noqa: BLE001 - a malformed graph is rejected
                raise GraphRejected(f"the graph cannot be loaded: {type(error).__name__}") \
                    from None
        for operation in graph.get_operations():
            for tensor in operation.outputs:
                shape = tensor.shape
                if not shape.is_fully_defined() or shape.num_elements() > MAX_TENSOR_ELEMENTS:
                    raise GraphRejected(f"{tensor.name} has the shape {shape}, which is not "
                                        "known in advance or is too large")
        for name in [*feeds, *fetches]:
            if name not in self._by_name:
                raise GraphRejected(f"the graph has no tensor {name!r}")
        for name in feeds:
            if self._by_name[name].op != "Placeholder":
                raise GraphRejected(f"{name!r} is not an input of the graph")
        with tf.compat.v1.Session(graph=graph) as session:
            values = session.run([f"{name}:0" for name in fetches],
                                 {f"{name}:0": np.asarray(value) for name, value in feeds.items()})
        return [np.array(value) for value in values]


def read_graph(report: dict) -> TracedGraph:
    """The graph in a report of `gradient_graph`, `layer_graph` or `training_report`."""
    if not isinstance(report, dict) or "graph" not in report:
        raise GraphRejected("the report holds no graph")
    return TracedGraph(report["graph"])
