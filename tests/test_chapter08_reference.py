"""Chapter 8: the reference custom gradients, layer, model and training loop in TensorFlow.

Every gradient is compared with TensorFlow's automatic differentiation of the plain
forward pass and with the NumPy references of chapters 3 and 5, in float64 (relative
error 1e-10) and float32 (1e-5), eagerly, inside `tf.function` and under XLA. Nothing
here needs a GPU; the tests that do are marked `gpu` and skipped without one.
"""

from __future__ import annotations

from dlbook.devices import quiet_tensorflow

quiet_tensorflow()

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from notebook_tools import load_reference  # noqa: E402

from autograder.course import Notebook  # noqa: E402
from autograder.tf_inspect import GraphRejected, TracedGraph, read_graph  # noqa: E402
from dlbook.data import load_mnist  # noqa: E402
from dlbook.tf_checks import (  # noqa: E402
    MODES,
    AutodiffRefused,
    float16_underflow,
    gradient_graph,
    gradients,
    layer_graph,
    layer_report,
    mixed_precision_report,
    mixed_training_report,
    refusing_autodiff,
    training_report,
)

capstone = load_reference(Notebook("08_capstone", "capstone"))
backprop = load_reference(Notebook("05_backprop", "backprop"))
softmax = load_reference(Notebook("03_softmax", "softmax"))
forward = load_reference(Notebook("02_forward", "forward"))
sgd = load_reference(Notebook("06_sgd", "sgd"))
TOLERANCE = {np.float64: 1e-10, np.float32: 1e-5}
HAS_GPU = bool(tf.config.list_physical_devices("GPU"))


def rel(got, want) -> float:
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    return float(np.max(np.abs(got - want)) / max(np.max(np.abs(want)), 1e-300))


def plain_dense(x, W, b):
    return tf.matmul(x, W) + b


def builtin_loss(logits, labels):
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits))


@settings(max_examples=12, deadline=None)
@given(st.integers(1, 9), st.integers(1, 7), st.integers(1, 6),
       st.sampled_from([np.float64, np.float32]), st.sampled_from(MODES),
       st.integers(0, 10_000))
def test_dense_gradients_equal_autodiff_and_chapter_5(batch, n_in, n_out, dtype, mode, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, n_in)).astype(dtype)
    W = rng.normal(size=(n_in, n_out)).astype(dtype)
    b = rng.normal(size=n_out).astype(dtype)
    dz = rng.normal(size=(batch, n_out)).astype(dtype)
    z, custom = gradients(capstone.dense, [x, W, b], dz, mode=mode)
    _, autodiff = gradients(plain_dense, [x, W, b], dz, mode=mode)
    numpy = backprop.dense_backward(dz, x, W)
    assert z.dtype == dtype and rel(z, x @ W + b) < TOLERANCE[dtype]
    for got, want, book in zip(custom, autodiff, numpy, strict=True):
        assert got.dtype == dtype and got.shape == want.shape
        assert rel(got, want) < TOLERANCE[dtype] and rel(got, book) < TOLERANCE[dtype]


@settings(max_examples=12, deadline=None)
@given(st.integers(1, 9), st.integers(2, 8), st.sampled_from([np.float64, np.float32]),
       st.sampled_from(MODES), st.floats(0.25, 4.0), st.integers(0, 10_000))
def test_softmax_cross_entropy_gradient_equals_autodiff_and_chapter_3(batch, classes, dtype,
                                                                       mode, upstream, seed):
    rng = np.random.default_rng(seed)
    logits = (3 * rng.normal(size=(batch, classes))).astype(dtype)
    labels = rng.integers(0, classes, size=batch)
    seed_grad = np.asarray(upstream, dtype=dtype)
    loss, (dlogits, dlabels) = gradients(capstone.softmax_cross_entropy, [logits, labels],
                                         seed_grad, mode=mode)
    want_loss, (want, _) = gradients(builtin_loss, [logits, labels], seed_grad, mode=mode)
    assert dlabels is None and loss.dtype == dtype and dlogits.dtype == dtype
    assert rel(loss, want_loss) < TOLERANCE[dtype]
    assert rel(loss, softmax.softmax_cross_entropy(logits, labels)) < TOLERANCE[dtype]
    assert rel(dlogits, want) < TOLERANCE[dtype]
    book = upstream * softmax.softmax_cross_entropy_grad(logits, labels)
    assert rel(dlogits, book) < TOLERANCE[dtype]


def test_softmax_cross_entropy_is_exact_where_the_naive_gradient_is_nan():
    logits = np.array([[1e4, 0.0, -1e4], [-1e4, 0.0, 1e4]])
    loss, (dlogits, _) = gradients(capstone.softmax_cross_entropy, [logits, np.array([0, 0])])
    assert float(loss) == 1e4
    np.testing.assert_array_equal(dlogits, [[0, 0, 0], [-0.5, 0, 0.5]])


def test_custom_relu_gradient_is_zero_at_the_kink_as_in_chapter_5():
    z = np.array([[-1.0, 0.0, 2.0]])
    _, (grad,) = gradients(capstone.relu, [z], np.ones_like(z))
    np.testing.assert_array_equal(grad, backprop.relu_backward(np.ones_like(z), z))


@pytest.mark.parametrize("activation", [None, "relu"])
@pytest.mark.parametrize("jit_compile", [False, True])
def test_custom_dense_matches_keras_dense_in_a_compiled_step(activation, jit_compile):
    x = np.random.default_rng(1).normal(size=(16, 12)).astype(np.float32)
    ours = capstone.CustomDense(5, activation=activation)
    theirs = keras.layers.Dense(5, activation=activation)
    ours(x), theirs(x)
    theirs.set_weights(ours.get_weights())

    @tf.function(jit_compile=jit_compile)
    def step(layer, inputs):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.sin(layer(inputs)))
        return loss, tape.gradient(loss, layer.trainable_weights)

    (loss_ours, grads_ours), (loss_theirs, grads_theirs) = step(ours, x), step(theirs, x)
    assert rel(loss_ours, loss_theirs) < 1e-5
    for a, b in zip(grads_ours, grads_theirs, strict=True):
        assert rel(a, b) < 1e-5


def test_mixed_precision_layer_computes_in_float16_with_float32_weights_and_finite_grads():
    x = np.random.default_rng(2).normal(size=(8, 6)).astype(np.float32)
    report = mixed_precision_report(capstone.CustomDense, x, units=4)
    assert report["dtypes"] == {"output": "float16", "kernel": "float32", "bias": "float32",
                                "dkernel": "float32", "dbias": "float32"}
    for name in ["output", "dkernel", "dbias"]:
        assert np.all(np.isfinite(report[name]))
    assert keras.mixed_precision.global_policy().name == "float32", "policy not restored"


def test_mixed_precision_model_trains_with_a_float32_loss():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        keras.utils.set_random_seed(0)
        model = capstone.build_model([6, 8, 3])
        rng = np.random.default_rng(3)
        X, y = rng.normal(size=(40, 6)).astype(np.float32), rng.integers(0, 3, size=40)
        history = capstone.train_tf(model, X, y, epochs=3, lr=0.1, batch_size=8, seed=0)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert all(np.isfinite(history["loss"])) and history["loss"][-1] < history["loss"][0]
    assert {variable.dtype for variable in model.trainable_variables} == {"float32"}


def test_build_model_counts_the_parameters_of_chapter_2():
    model = capstone.build_model([784, 128, 64, 10])
    assert model.count_params() == forward.count_parameters([784, 128, 64, 10]) == 109_386
    assert [layer.activation for layer in model.layers] == ["relu", "relu", None]
    with pytest.raises(ValueError):
        capstone.build_model([784])


def test_train_tf_is_chapter_6_training_step_for_step():
    """Same start, same batches: float64 weights agree to 1e-9 after a few epochs."""
    train, _ = load_mnist()
    X, y = train.X[:300].astype(np.float64), train.y[:300]
    initial = forward.init_params([784, 16, 10], np.random.default_rng(0), dtype=np.float64)
    numpy_params, numpy_history = sgd.train(initial, X, y, epochs=3, lr=0.1, batch_size=32,
                                            rng=np.random.default_rng(5))
    model = capstone.build_model([784, 16, 10], dtype="float64")
    model.set_weights([array for pair in initial for array in pair])
    history = capstone.train_tf(model, X, y, epochs=3, lr=0.1, batch_size=32, seed=5)
    np.testing.assert_allclose(history["loss"], numpy_history["loss"], rtol=1e-12)
    for ours, theirs in zip(model.get_weights(), [a for pair in numpy_params for a in pair],
                            strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)


def test_train_tf_rejects_mismatched_data_and_bad_batch_sizes():
    model = capstone.build_model([3, 2])
    with pytest.raises(ValueError, match="labels"):
        capstone.train_tf(model, np.zeros((4, 3)), np.zeros(5, int), epochs=1, lr=0.1,
                          batch_size=2)
    with pytest.raises(ValueError, match="batch_size"):
        capstone.train_tf(model, np.zeros((4, 3)), np.zeros(4, int), epochs=1, lr=0.1,
                          batch_size=0)


def test_model_reaches_the_numpy_networks_accuracy_and_survives_save_and_load(tmp_path):
    """The chapter's main run: 784-128-64-10, 20 epochs, same start and batches as
    chapter 6's NumPy network, float64; held-out accuracy at least the NumPy one's."""
    train, test = load_mnist()
    X, X_test = train.X.astype(np.float64), test.X.astype(np.float64)
    layer_sizes = [784, 128, 64, 10]
    initial = forward.init_params(layer_sizes, np.random.default_rng(0), dtype=np.float64)
    numpy_params, _ = sgd.train(initial, X, train.y, epochs=20, lr=0.1, batch_size=64,
                                rng=np.random.default_rng(1))
    numpy_accuracy = sgd.accuracy(numpy_params, X_test, test.y)
    model = capstone.build_model(layer_sizes, dtype="float64")
    model.set_weights([array for pair in initial for array in pair])
    capstone.train_tf(model, X, train.y, epochs=20, lr=0.1, batch_size=64, seed=1)
    logits = model(X_test).numpy()
    accuracy = float(np.mean(np.argmax(logits, axis=1) == test.y))
    assert accuracy >= numpy_accuracy >= 0.93
    model.save(tmp_path / "model.keras")
    reloaded = keras.models.load_model(tmp_path / "model.keras")
    assert [type(layer).__name__ for layer in reloaded.layers] == ["CustomDense"] * 3
    np.testing.assert_array_equal(reloaded(X_test).numpy(), logits)


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_GPU, reason="TensorFlow sees no GPU here")
def test_on_the_gpu_gradients_match_and_mixed_precision_trains():  # pragma: no cover
    with tf.device("/GPU:0"):
        test_dense_gradients_equal_autodiff_and_chapter_5.hypothesis.inner_test(
            32, 20, 10, np.float32, "xla", 0)
        test_mixed_precision_model_trains_with_a_float32_loss()


def test_checks_run_in_float32_whatever_policy_the_notebook_left_set():
    x = np.ones((2, 3), np.float32)
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        report = layer_report(capstone.CustomDense, x, np.ones((2, 4), np.float32), units=4)
        assert report["output_dtype"] == "float32"
        assert keras.mixed_precision.global_policy().name == "mixed_float16"
    finally:
        keras.mixed_precision.set_global_policy("float32")


# --- The chapter's statements about TensorFlow 2.21 / Keras 3.15, checked -----------------


def test_in_eager_mode_a_tape_inside_a_custom_gradient_block_records():
    @tf.custom_gradient
    def square(x):
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x * x
        slope = inner.gradient(y, x)
        return y, lambda upstream: upstream * slope

    x = tf.constant(3.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        y = square(x)
    assert float(outer.gradient(y, x)) == 6.0


def test_the_outer_tape_differentiates_a_block_by_its_grad_alone():
    @tf.custom_gradient
    def square(x):
        return x * x, lambda upstream: tf.zeros_like(upstream)

    x = tf.constant(3.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        y = square(x)
    assert float(outer.gradient(y, x)) == 0.0


@pytest.mark.parametrize("compiled", [False, True])
def test_a_variable_read_inside_a_block_needs_the_variables_keyword(compiled):
    v = tf.Variable(2.0)

    @tf.custom_gradient
    def without_keyword(x):
        return x * v, lambda upstream: upstream * v

    @tf.custom_gradient
    def with_keyword(x):
        def grad(upstream, variables=None):
            assert [id(variable) for variable in variables] == [id(v)]
            return upstream * v, [upstream * x]

        return x * v, grad

    def gradient(function):
        def run(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = function(x)
            return tape.gradient(y, [x, v])

        return (tf.function(run) if compiled else run)(tf.constant(3.0))

    with pytest.raises(TypeError, match="keyword argument 'variables'"):
        gradient(without_keyword)
    assert [float(g) for g in gradient(with_keyword)] == [2.0, 3.0]


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize(("variable", "passed", "keyword_needed"), [
    ("trainable tf.Variable", False, {False: True, True: True}),
    ("non-trainable tf.Variable", False, {False: False, True: False}),
    ("trainable tf.Variable", True, {False: False, True: False}),
    ("keras.Variable", True, {False: True, True: False}),
    ("non-trainable keras.Variable", False, {False: False, True: False}),
])
def test_the_keyword_is_needed_for_a_watched_variable_not_found_among_the_arguments(
        variable, passed, keyword_needed, compiled):
    """The chapter's statement: a trainable variable read in the block and not passed in
    needs `variables=`; a non-trainable one never; a Keras variable passed as an argument
    still does eagerly (TensorFlow sees the tf.Variable it wraps being read)."""
    make = {"trainable tf.Variable": lambda: tf.Variable(2.0),
            "non-trainable tf.Variable": lambda: tf.Variable(2.0, trainable=False),
            "keras.Variable": lambda: keras.Variable(2.0),
            "non-trainable keras.Variable": lambda: keras.Variable(2.0, trainable=False)}
    v = make[variable]()

    @tf.custom_gradient
    def reads(x):
        value = tf.convert_to_tensor(v)
        return x * value, lambda upstream: upstream * value

    @tf.custom_gradient
    def takes(x, w):
        value = tf.convert_to_tensor(w)
        return x * value, lambda upstream: (upstream * value, upstream * x)

    def run(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = takes(x, v) if passed else reads(x)
        return tape.gradient(y, x)

    run = tf.function(run) if compiled else run
    if keyword_needed[compiled]:
        with pytest.raises(TypeError, match="keyword argument 'variables'"):
            run(tf.constant(3.0))
    else:
        assert float(run(tf.constant(3.0))) == 2.0


def _memory_held_by_a_recording_tape(mode: str, megabytes: int) -> float:
    """MB that a tape holds after the forward pass of a custom-gradient block with two
    intermediates of `megabytes` each whose grad reads only the input (a fresh process)."""
    import os
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(f'''
        import gc
        from dlbook.devices import quiet_tensorflow
        quiet_tensorflow()
        import tensorflow as tf

        def rss():
            with open("/proc/self/status") as status:
                line = next(line for line in status if line.startswith("VmRSS"))
            return int(line.split()[1]) / 1024

        @tf.custom_gradient
        def block(x):
            h = tf.exp(x)
            y = tf.reduce_sum(h * h)  # intermediates h and h * h, never used by grad
            return y, lambda upstream: upstream * 2 * tf.exp(2 * x)

        n = {megabytes} * 2**20 // 4
        forward = tf.function(block) if "{mode}" == "function" else block
        x = tf.random.uniform([n], maxval=0.1)
        for _ in range(2):  # the second time measured, after every kernel is loaded
            gc.collect()
            before = rss()
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = forward(x)
            held = rss() - before
            tape.gradient(y, x)
            del tape, y
        print(held)
    ''')
    # On the CPU, in process memory (RSS): tensors this large are mapped from the system
    # and returned to it when freed, on any machine (no GPU, no oneDNN memory pool).
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "-1", "TF_ENABLE_ONEDNN_OPTS": "0"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=300, env=env)
    return float(done.stdout.split()[-1])


def test_a_custom_gradient_keeps_only_what_grad_reads_under_tf_function_not_eagerly():
    """Eagerly the tape records the block's inner operations and keeps their results (two
    intermediates of 100 MB: about 200 MB); traced, the block keeps what grad reads (x)."""
    eager = _memory_held_by_a_recording_tape("eager", 100)
    traced = _memory_held_by_a_recording_tape("function", 100)
    assert eager > 150, f"the eager tape held only {eager:.0f} MB"
    assert traced < 50, f"the traced block held {traced:.0f} MB"


def test_autodiff_of_the_same_stable_forward_pass_is_exact_at_1e4_and_naive_is_nan():
    def same_forward(logits, labels):
        return capstone.softmax_cross_entropy.__wrapped__(logits, labels)[0]

    def naive(logits, labels):
        picked = tf.gather(tf.math.log(tf.nn.softmax(logits)), labels, axis=1, batch_dims=1)
        return -tf.reduce_mean(picked)

    logits, labels = np.array([[1e4, 0.0, -1e4], [-1e4, 0.0, 1e4]]), np.array([0, 0])
    for dtype in [np.float64, np.float32]:
        loss, (dlogits, _) = gradients(same_forward, [logits.astype(dtype), labels])
        assert float(loss) == 1e4
        np.testing.assert_array_equal(dlogits, [[0, 0, 0], [-0.5, 0, 0.5]])
        loss, (dlogits, _) = gradients(naive, [logits.astype(dtype), labels])
        assert np.isinf(loss) and np.isnan(dlogits).any()


def test_the_custom_loss_gradient_is_a_much_shorter_backward_pass():
    logits, labels = np.zeros((64, 10)), np.zeros(64, int)

    def same_forward(logits, labels):
        return capstone.softmax_cross_entropy.__wrapped__(logits, labels)[0]

    custom = gradient_graph(capstone.softmax_cross_entropy, [logits, labels], autodiff=False)
    autodiff = gradient_graph(same_forward, [logits, labels])
    assert 3 * custom["operations"] < autodiff["operations"]
    assert len(read_graph(custom).nodes) == custom["operations"]
    with pytest.raises(AutodiffRefused, match="gradient rule"):
        gradient_graph(same_forward, [logits, labels], autodiff=False)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_keras_compile_wraps_any_mixed_float16_optimizer_in_a_loss_scale_optimizer(optimizer):
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = capstone.build_model([3, 2])
        model.compile(optimizer=optimizer, loss="mse")
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    model32 = capstone.build_model([3, 2])
    model32.compile(optimizer=optimizer, loss="mse")
    assert not isinstance(model32.optimizer, keras.optimizers.LossScaleOptimizer)


@pytest.mark.parametrize(("jit_compile", "xla"), [(None, False), (False, False), (True, True)])
def test_tf_function_uses_xla_only_when_asked(jit_compile, xla):
    """`_XlaMustCompile` is set by jit_compile=False too (to False): read its value."""
    traced = tf.function(lambda x: 2 * x, jit_compile=jit_compile).get_concrete_function(
        tf.TensorSpec((), tf.float32))
    attr = traced.function_def.attr
    assert ("_XlaMustCompile" in attr) == (jit_compile is not None)
    assert capstone.compiled_with_xla(traced) == xla


def test_jit_compile_auto_is_an_argument_of_compile_not_fit():
    import inspect

    assert inspect.signature(keras.Model.compile).parameters["jit_compile"].default == "auto"
    assert "jit_compile" not in inspect.signature(keras.Model.fit).parameters


def test_keras_compile_turns_xla_on_by_itself_only_with_a_gpu_and_not_eagerly(monkeypatch):
    model = capstone.build_model([3, 2])
    model.compile(optimizer="sgd", loss="mse")
    if not HAS_GPU:
        assert model.jit_compile is False  # CPU only: "auto" means no XLA
    real = tf.config.list_physical_devices
    fake_gpu = tf.config.PhysicalDevice(name="/physical_device:GPU:0", device_type="GPU")

    def with_a_gpu(kind=None):
        return real(kind) + ([fake_gpu] if kind in (None, "GPU") and not HAS_GPU else [])

    monkeypatch.setattr(tf.config, "list_physical_devices", with_a_gpu)
    model.compile(optimizer="sgd", loss="mse")  # jit_compile="auto", the default
    assert model.jit_compile is True
    model.compile(optimizer="sgd", loss="mse", run_eagerly=True)
    assert model.jit_compile is False
    from tensorflow.python.framework import config

    config.enable_op_determinism()
    try:
        model.compile(optimizer="sgd", loss="mse")
        assert model.jit_compile is False
    finally:
        config.disable_op_determinism()


# --- Loss scaling in train_tf -----------------------------------------------------------------


def _trained_pair():
    """A float32 and a mixed-precision copy of an MNIST network trained until it is
    confident (500 digits, 40 epochs), so that many entries of P - Y are tiny."""
    train, _ = load_mnist()
    X, y = train.X[:500].astype(np.float32), train.y[:500]
    model32 = capstone.build_model([784, 32, 10], dtype="float32")
    capstone.train_tf(model32, X, y, epochs=40, lr=0.1, batch_size=32, seed=0)
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model16 = capstone.build_model([784, 32, 10])
    finally:
        keras.mixed_precision.set_global_policy("float32")
    model16.set_weights(model32.get_weights())
    return model16, model32, X[:64], y[:64]


def test_float16_gradients_underflow_without_loss_scaling_and_not_with_it():
    model16, model32, X, y = _trained_pair()
    plain = float16_underflow(model16, model32, X, y, capstone.softmax_cross_entropy,
                              loss_scale=1.0)
    scaled = float16_underflow(model16, model32, X, y, capstone.softmax_cross_entropy,
                               loss_scale=2.0**15)
    assert plain["lost"] >= 20 and scaled["lost"] <= plain["lost"] / 20
    assert scaled["largest_error"] < 0.05


def test_train_tf_scales_the_loss_so_tiny_float16_gradients_survive():
    rng = np.random.default_rng(0)
    X, y = rng.uniform(1e-4, 2e-4, size=(16, 3)), np.zeros(16, int)
    start = [(np.zeros((3, 2)), np.array([9.0, 0.0]))]
    report = mixed_training_report(capstone.train_tf, start, X, y, epochs=1, lr=1.0,
                                   batch_size=8, seed=0)
    exact = training_report(capstone.train_tf, start, X, y, epochs=1, lr=1.0, batch_size=8,
                            seed=0)
    kernel = report["params"][0][0]
    assert np.all(kernel != 0)
    np.testing.assert_allclose(kernel, exact["params"][0][0], rtol=1e-2)


def test_train_tf_skips_overflowing_steps_and_halves_the_scale_until_they_fit():
    """Rows x = (12, 12, 12), label 0, zero weights: the scaled kernel gradient is 6 S,
    which overflows float16 at S = 2^15 and 2^14 only, so exactly two of the eight steps
    are skipped and the weights are those of six float32 SGD steps."""
    X, y = np.full((32, 3), 12.0), np.zeros(32, int)
    start = [(np.zeros((3, 2)), np.zeros(2))]
    report = mixed_training_report(capstone.train_tf, start, X, y, epochs=2, lr=2.0**-7,
                                   batch_size=8, seed=0, autodiff=False)
    for skipped in [2, 1, 3]:
        steps = 8 - skipped
        exact = training_report(capstone.train_tf, start, np.full((8 * steps, 3), 12.0),
                                np.zeros(8 * steps, int), epochs=1, lr=2.0**-7, batch_size=8,
                                seed=0)
        same = all(np.allclose(got, want, rtol=1e-2, atol=1e-6) for got, want in zip(
            report["params"][0], exact["params"][0], strict=True))
        assert same == (skipped == 2), f"{skipped} skipped steps: {same}"


def test_train_tf_doubles_the_scale_after_2000_finite_steps():
    """x = 1.5, logits -80 and 80: every gradient is exact in float16, 1.5 S for the
    kernel, which overflows only at S = 2^16. Step 2,001, the first at 2^16, is skipped."""
    X, y = np.full((4004, 1), 1.5), np.zeros(4004, int)
    start = [(np.zeros((1, 2)), np.array([-80.0, 80.0]))]
    report = mixed_training_report(capstone.train_tf, start, X, y, epochs=1, lr=2.0**-10,
                                   batch_size=2, seed=0, autodiff=False)
    kernel = report["params"][0][0]
    assert kernel[0, 0] == -kernel[0, 1] == 2001 * 1.5 * 2.0**-10  # 2,002 steps, one skipped


# --- Automatic differentiation refused, and right answers written differently -----------------


def _named_autodiff_dense():
    @tf.custom_gradient
    def dense(x, W, b):
        z = tf.matmul(x, W) + b

        def grad(dz):
            if tf.executing_eagerly():
                with tf.GradientTape() as tape:
                    tape.watch([x, W, b])
                    again = tf.matmul(x, W) + b
                return tape.gradient(again, [x, W, b], output_gradients=dz)
            return tf.gradients(z, [x, W, b], grad_ys=dz, name="backward")

        return z, grad

    return dense


@pytest.mark.parametrize("mode", MODES)
def test_autodiff_inside_a_custom_gradient_is_refused_whatever_it_is_named(mode):
    rng = np.random.default_rng(5)
    x, W, b, dz = (rng.normal(size=shape) for shape in [(4, 3), (3, 2), (2,), (4, 2)])
    cheat = _named_autodiff_dense()
    _, right = gradients(cheat, [x, W, b], dz, mode=mode)  # the values alone are right
    assert rel(right[1], x.T @ dz) < 1e-12
    with pytest.raises(AutodiffRefused, match="AddV2"):
        gradients(cheat, [x, W, b], dz, mode=mode, autodiff=False)
    _, grads = gradients(capstone.dense, [x, W, b], dz, mode=mode, autodiff=False)
    assert rel(grads[1], x.T @ dz) < 1e-12
    _, (again,) = gradients(tf.exp, [x], mode=mode)  # the rules are back afterwards
    assert rel(again, np.exp(x)) < 1e-12


def _tape_caught(x):
    try:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.exp(x)
        return tape.gradient(y, x)
    except Exception:  # noqa: BLE001 - what a learner might write
        return x


def _forward_mode(x):
    with tf.autodiff.ForwardAccumulator(x, tf.ones_like(x)) as accumulator:
        y = tf.exp(x)
    return accumulator.jvp(y)


def _jacobian(x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.exp(x)
    return tape.jacobian(y, x)


@pytest.mark.parametrize("autodiff", [_tape_caught, _forward_mode, _jacobian])
def test_refusing_autodiff_refuses_every_kind_of_autodiff_even_when_caught(autodiff):
    with pytest.raises(AutodiffRefused, match="gradient rule"), refusing_autodiff():
        autodiff(tf.constant([1.0, 2.0]))
    want = np.exp([1.0, 2.0])  # afterwards the rules work again
    got = autodiff(tf.constant([1.0, 2.0])).numpy()
    assert np.allclose(got, np.diag(want) if autodiff is _jacobian else want)


def _variants():
    import importlib.util

    from catalogue import CATALOGUE_DIR

    spec = importlib.util.spec_from_file_location("ch08_catalogue",
                                                  CATALOGUE_DIR / "ch08_capstone.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ACCEPTED


@pytest.mark.parametrize("variant", _variants(), ids=lambda variant: variant.variant[:40])
def test_right_answers_written_differently_pass_the_exercise_tests(variant):
    from catalogue import chapter_notebook, run_test_cell

    failure = run_test_cell(chapter_notebook("08_capstone"), variant.exercise, variant.source)
    assert failure is None, f"{variant.exercise}, {variant.variant}: {failure}"


# --- Graph evidence -----------------------------------------------------------------------------


def test_the_reference_answers_leave_the_graph_evidence_the_tests_ask_for():
    rng = np.random.default_rng(4)
    x, W, b, dz = (rng.normal(size=shape) for shape in [(4, 3), (3, 2), (2,), (4, 2)])
    graph = read_graph(gradient_graph(capstone.dense, [x, W, b], dz, autodiff=False))
    assert graph.custom_gradients() == [4]
    out, dx, dW, db = graph.run({"input_0": x, "input_1": W, "input_2": b, "upstream": dz},
                                ["output", "gradient_0", "gradient_1", "gradient_2"])
    for got, want in zip([out, dx, dW, db], [x @ W + b, dz @ W.T, x.T @ dz, dz.sum(0)],
                         strict=True):
        assert rel(got, want) < 1e-12
    layer = read_graph(layer_graph(capstone.CustomDense, x.astype(np.float32),
                                   dz.astype(np.float32), units=2, activation="relu",
                                   autodiff=False))
    assert sorted(layer.custom_gradients()) == [2, 4]
    X, y = rng.normal(size=(12, 3)), rng.integers(0, 2, size=12)
    report = training_report(capstone.train_tf, [(W, b)], X, y, epochs=2, lr=0.1,
                             batch_size=5, seed=0, autodiff=False)
    step = read_graph(report)
    assert step.custom_gradients() == [3] and step.updates() and not step.builtin_losses()
    assert report["traces"] == 2  # batches of 5 and of 2, over two epochs


def test_a_graph_that_does_more_than_arithmetic_is_not_run_in_the_trusted_process(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("gradebook")

    def reads_a_file(x):
        return x + tf.strings.to_number(tf.io.read_file(str(secret)), tf.float64)

    graph = read_graph(gradient_graph(lambda x: x * 1.0, [np.ones(2)]))
    assert graph.run({"input_0": np.ones(2), "upstream": np.array(1.0)},
                     ["output"])[0].tolist() == [1.0, 1.0]
    hostile = tf.function(reads_a_file).get_concrete_function(
        tf.TensorSpec((2,), tf.float64, name="input_0"))
    data = np.frombuffer(hostile.graph.as_graph_def().SerializeToString(), np.uint8)
    with pytest.raises(GraphRejected, match="not run here"):
        TracedGraph(data).run({"input_0": np.ones(2)}, ["output"])


def test_a_graph_with_unknown_or_huge_shapes_or_no_graph_at_all_is_rejected():
    huge = tf.function(lambda x: x + tf.fill([4096, 4096], 1.0)).get_concrete_function(
        tf.TensorSpec((), tf.float32, name="input_0"))
    data = np.frombuffer(huge.graph.as_graph_def().SerializeToString(), np.uint8)
    with pytest.raises(GraphRejected, match="too large"):
        TracedGraph(data).run({"input_0": np.float32(1)}, [huge.outputs[0].op.name])
    for junk in [np.zeros(0, np.uint8), np.arange(10, dtype=np.int64), np.full(50, 7, np.uint8)]:
        with pytest.raises(GraphRejected):
            TracedGraph(junk)
