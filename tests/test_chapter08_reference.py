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
from dlbook.data import load_mnist  # noqa: E402
from dlbook.tf_checks import MODES, gradients, mixed_precision_report  # noqa: E402

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
    from dlbook.tf_checks import layer_report

    x = np.ones((2, 3), np.float32)
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        report = layer_report(capstone.CustomDense, x, np.ones((2, 4), np.float32), units=4)
        assert report["output_dtype"] == "float32"
        assert keras.mixed_precision.global_policy().name == "mixed_float16"
    finally:
        keras.mixed_precision.set_global_policy("float32")
