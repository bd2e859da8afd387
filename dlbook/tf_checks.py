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
def model_report(build_model: Callable, layer_sizes: Sequence[int], x: np.ndarray) -> dict:
    """Build `build_model(layer_sizes)` and run it on `x`.

    Returns:
        A dict: `layers` (the class name of each layer), `params` (a list of
        [kernel, bias] arrays, one pair per layer with weights), `count` (the model's
        number of parameters) and `output` (the model's output for x).
    """
    model = build_model(list(layer_sizes))
    output = model(_tf().constant(x))
    return {"layers": [type(layer).__name__ for layer in model.layers],
            "params": [[_numpy(weight) for weight in layer.weights]
                       for layer in model.layers if layer.weights],
            "count": int(model.count_params()), "output": _numpy(output)}


@beside_learner
def training_report(train_tf: Callable, params: Sequence[tuple[np.ndarray, np.ndarray]],
                    X: np.ndarray, y: np.ndarray, *, epochs: int, lr: float,
                    batch_size: int, seed: int) -> dict:
    """Train a Keras `Dense` ReLU network that starts at `params` with `train_tf`.

    The model is built here from Keras's own layers (in the dtype of `params`), so a
    check of the training loop does not depend on any other exercise.

    Returns:
        A dict: `history` (what train_tf returned) and `params` (the trained
        [kernel, bias] arrays, one pair per layer).
    """
    import keras

    dtype = np.asarray(params[0][0]).dtype.name
    layers = [keras.Input(shape=(np.asarray(params[0][0]).shape[0],), dtype=dtype)]
    for i, (W, _) in enumerate(params):
        last = i == len(params) - 1
        layers.append(keras.layers.Dense(np.asarray(W).shape[1], dtype=dtype,
                                         activation=None if last else "relu"))
    model = keras.Sequential(layers)
    model.set_weights([np.asarray(array) for pair in params for array in pair])
    history = train_tf(model, X, y, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed)
    if isinstance(history, dict):
        history = {str(key): [float(_numpy(value)) for value in values]
                   for key, values in history.items()}
    return {"history": history,
            "params": [[_numpy(weight) for weight in layer.weights] for layer in model.layers]}


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
