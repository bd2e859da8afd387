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

What the grader's trusted process does with a traced graph (read it, run it on inputs of
its own) is in `autograder.tf_inspect`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence

import numpy as np

MODES = ("eager", "function", "xla")
# What a check with autodiff=False still lets TensorFlow differentiate by its own rules:
# reading a variable and changing a tensor's dtype (a layer's weights reach `dense` that
# way, and under mixed precision as float16 copies). None of them computes anything.
PLUMBING = frozenset({"ReadVariableOp", "Cast", "Identity", "IdentityN"})
# ... and, in a training check, the layers of the Keras model that the check builds
# (Dense with ReLU) and the loss scale's product: everything but the loss itself.
TRAINING_OPS = PLUMBING | {"MatMul", "BiasAdd", "AddV2", "Add", "Relu", "Mul"}


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
        with keras_policy(policy):
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
def keras_policy(name: str):
    """Keras's global dtype policy is `name` inside the block; the one before is restored
    when the block ends, however it ends."""
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


class AutodiffRefused(RuntimeError):
    """The code under test asked for one of TensorFlow's own gradient rules where the
    check allows none (see `refusing_autodiff`)."""


@contextlib.contextmanager
def refusing_autodiff(allowed: frozenset[str] = frozenset()):
    """TensorFlow's registered gradient rules refuse to run, except those of `allowed`
    operations and of `tf.custom_gradient` blocks; raises AutodiffRefused afterwards if
    any was asked for.

    Every gradient TensorFlow computes by itself (a `GradientTape` eagerly or in a graph,
    `tf.gradients` under any name, `tf.autodiff.ForwardAccumulator`, a Jacobian) looks up
    the rule registered for each operation's type. A custom gradient's `grad` written
    from formulas never does: it is called, not differentiated. So a check run in here
    learns, from whether the computation can finish at all, whether the code under test
    left any part of its gradient to TensorFlow, whatever it named its operations.
    """
    from tensorflow.python.framework import ops

    entries = ops._gradient_registry._registry  # op type -> {"type": rule, ...}
    asked: list[str] = []

    def refusal(op_type: str) -> Callable:
        def refuse(op, *grads):
            asked.append(op_type)
            raise AutodiffRefused(f"TensorFlow's own gradient of {op_type} was asked for")

        return refuse

    saved = {}
    for op_type, entry in list(entries.items()):
        if entry.get("type") is None or op_type in allowed or \
                op_type.startswith("CustomGradient-"):
            continue
        saved[op_type] = entry["type"]
        entry["type"] = refusal(op_type)
    failure = None
    try:
        yield
    except Exception as error:  # noqa: BLE001 - reported below if autodiff caused it
        failure = error
    finally:
        for op_type, rule in saved.items():
            entries[op_type]["type"] = rule
    if asked:
        raise AutodiffRefused(
            "automatic differentiation was used where the gradient must be written by hand: "
            f"TensorFlow's own gradient rule for {sorted(set(asked))[0]} was asked for "
            "(a GradientTape or tf.gradients inside a custom gradient, or an operation "
            "outside one)") from None
    if failure is not None:
        raise failure


def _guard(autodiff: bool, allowed: frozenset[str] = frozenset()):
    return contextlib.nullcontext() if autodiff else refusing_autodiff(allowed)


@beside_learner
def gradients(function: Callable, inputs: Sequence[np.ndarray],
              upstream: np.ndarray | None = None, *, mode: str = "eager",
              autodiff: bool = True) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """Output of `function(*inputs)` and its gradients with respect to the inputs.

    Args:
        function: takes TensorFlow tensors, returns one tensor.
        inputs: NumPy arrays, passed as constants of their own dtype. Floating ones are
            watched by the tape; integer ones (labels) get the gradient None.
        upstream: dL/d(output), same shape as the output (default: ones).
        mode: "eager", "function" (inside `tf.function`) or "xla"
            (`tf.function(jit_compile=True)`).
        autodiff: False to refuse TensorFlow's own gradient rules while `function` runs
            and is differentiated (see `refusing_autodiff`): then only custom gradients
            can make the gradients, and AutodiffRefused says when anything else tried.

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

    with _guard(autodiff):
        output, grads = _compile(run, mode)(*[tf.constant(value) for value in inputs])
    result: list[np.ndarray | None] = [None] * len(inputs)
    for i, grad in zip(watched, grads, strict=True):
        result[i] = _numpy(grad)
    return _numpy(output), result


@beside_learner
def layer_report(layer_class: Callable, x: np.ndarray, upstream: np.ndarray, *, units: int,
                 activation: str | None = None, mode: str = "eager",
                 autodiff: bool = True) -> dict:
    """Build `layer_class(units, activation=activation)` on `x` and differentiate it.

    The layer's weights must be its attributes `kernel`, shape (n_in, units), and `bias`,
    shape (units,), as in Keras's own `Dense`. With autodiff=False, TensorFlow's own
    gradient rules refuse to run except for reading and casting the weights (PLUMBING).

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

    with _guard(autodiff, PLUMBING):
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
              X: np.ndarray, y: np.ndarray, dtype: str | None, autodiff: bool,
              **settings) -> dict:
    """Build a Keras `Dense` ReLU network at `params` (layers of `dtype`, None for the
    global policy), train it with `train_tf(model, X, y, **settings)`, report.

    With autodiff=False, TensorFlow's own gradient rules refuse to run for everything
    but the model's layers, reads, casts and products (TRAINING_OPS): the loss can then
    only be differentiated by a custom gradient."""
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
    with _guard(autodiff, TRAINING_OPS):
        history = train_tf(model, X, y, **settings)
    if isinstance(history, dict):
        history = {str(key): [float(_numpy(value)) for value in values]
                   for key, values in history.items()}
    graph = _graph_data(graphs[-1].as_graph_def()) if graphs else np.zeros(0, np.uint8)
    return {"history": history, "graph": graph, "traces": len({id(g) for g in graphs}),
            "params": [[_numpy(weight) for weight in layer.weights]
                       for layer in model.layers if layer.weights]}


@beside_learner
def training_report(train_tf: Callable, params: Sequence[tuple[np.ndarray, np.ndarray]],
                    X: np.ndarray, y: np.ndarray, *, epochs: int, lr: float,
                    batch_size: int, seed: int, autodiff: bool = True) -> dict:
    """Train a Keras `Dense` ReLU network that starts at `params` with `train_tf`.

    The model is built here from Keras's own layers (in the dtype of `params`), so a
    check of the training loop does not depend on any other exercise. With
    autodiff=False, the loss must be differentiated by a custom gradient (see `_training`).

    Returns:
        A dict: `history` (what train_tf returned), `params` (the trained [kernel, bias]
        arrays, one pair per layer), `graph` (the last graph in which the model was
        traced, serialized as a uint8 array, empty if it only ever ran eagerly) and
        `traces` (how many graphs the model was traced in: one per trace of the step).
    """
    return _training(train_tf, params, X, y, np.asarray(params[0][0]).dtype.name, autodiff,
                     epochs=epochs, lr=lr, batch_size=batch_size, seed=seed)


@beside_learner(policy="mixed_float16")
def mixed_training_report(train_tf: Callable, params: Sequence[tuple[np.ndarray, np.ndarray]],
                          X: np.ndarray, y: np.ndarray, *, epochs: int, lr: float,
                          batch_size: int, seed: int, autodiff: bool = True) -> dict:
    """`training_report` for a network under the `mixed_float16` policy: float16
    computation, float32 weights (`params` are cast to float32)."""
    return _training(train_tf, params, X, y, None, autodiff,
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
# The checks below trace the code under test inside `tf.function` and send back the traced
# graph (a serialized GraphDef, as a uint8 array: plain data). The grader's trusted
# process reads it (`autograder.tf_inspect`): it looks for the custom-gradient blocks
# the exercise asks for and runs the graph itself on inputs of its own choosing, so a
# graph that was forged in the sandbox still has to compute the right values.


def _graph_data(graph_def) -> np.ndarray:
    return np.frombuffer(graph_def.SerializeToString(), dtype=np.uint8).copy()


def _specs(inputs: Sequence[np.ndarray]):
    tf = _tf()
    return [tf.TensorSpec(np.shape(value), tf.as_dtype(np.asarray(value).dtype),
                          name=f"input_{i}") for i, value in enumerate(inputs)]


@beside_learner
def gradient_graph(function: Callable, inputs: Sequence[np.ndarray],
                   upstream: np.ndarray | None = None, *, autodiff: bool = True) -> dict:
    """The graph of `function(*inputs)` and its gradients, traced with `tf.function`.

    The same computation as `gradients(function, inputs, upstream, mode="function")`
    (autodiff=False refuses TensorFlow's own gradient rules while it is traced), but what
    comes back is the traced graph: placeholders `input_0`, `input_1`, ... (and
    `upstream`), outputs `output` and `gradient_i` for each floating input i whose
    gradient is not None.

    Returns:
        {"graph": the serialized GraphDef as a uint8 array, "operations": the number of
         operations in it}
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
    with _guard(autodiff):
        traced = tf.function(run, autograph=False).get_concrete_function(*specs)
    graph_def = traced.graph.as_graph_def()
    return {"graph": _graph_data(graph_def), "operations": len(graph_def.node)}


@beside_learner
def layer_graph(layer_class: Callable, x: np.ndarray, upstream: np.ndarray, *, units: int,
                activation: str | None = None, autodiff: bool = True) -> dict:
    """The traced graph of `layer_class(units, activation=activation)` and its gradients
    (autodiff=False: as in `layer_report`).

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

    with _guard(autodiff, PLUMBING):
        traced = tf.function(run, autograph=False).get_concrete_function(
            *_specs([x]), tf.TensorSpec(np.shape(upstream),
                                        tf.as_dtype(np.asarray(upstream).dtype), name="upstream"))
    frozen = convert_variables_to_constants_v2(traced)
    return {"graph": _graph_data(frozen.graph.as_graph_def())}


