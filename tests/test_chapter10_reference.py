"""Chapter 10: the reference RNN, LSTM and clipping against Keras and TensorFlow, and the
measured spread of the chapter's training runs.

Keras `SimpleRNN` and `LSTM` (weights copied; Keras stores the LSTM's gates in the order
input, forget, candidate, output, as the chapter does) and `tf.clip_by_global_norm` are the
independent oracles, forward and backward (`tf.GradientTape` of the probe loss
sum(dHs * Hs), so every h_t receives a gradient), in float64 and float32.
"""

from __future__ import annotations

from dlbook.devices import quiet_tensorflow

quiet_tensorflow()

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402
from notebook_tools import load_reference  # noqa: E402
from test_chapter09_reference import RUNS as CH9_RUNS  # noqa: E402

from autograder.course import Notebook  # noqa: E402
from dlbook.data import load_mnist  # noqa: E402

rec = load_reference(Notebook("10_recurrent", "recurrent"))
TOLERANCE = {np.float64: 1e-10, np.float32: 1e-4}
SHAPES = [(2, 5, 3, 4), (1, 1, 2, 3), (3, 7, 1, 2), (4, 12, 6, 8)]  # B, T, D, H


def close(got, want, dtype, what):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    scale = max(float(np.max(np.abs(want))), 1.0)
    assert float(np.max(np.abs(got - want))) <= TOLERANCE[dtype] * scale, what


def _keras_pass(layer, X, states, dHs):
    """Hs and the gradients of sum(dHs * Hs) for X, the start states and the weights."""
    x = tf.Variable(X)
    starts = [tf.Variable(s) for s in states]
    with tf.GradientTape() as tape:
        out = layer(x, initial_state=starts)
        probe = tf.reduce_sum(out * dHs)
    grads = tape.gradient(probe, [x, *starts, *layer.trainable_weights])
    return out.numpy(), [g.numpy() for g in grads]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("B,T,D,H", SHAPES)
def test_rnn_forward_and_backward_match_keras_simple_rnn(B, T, D, H, dtype):
    rng = np.random.default_rng(B * 1000 + T * 100 + D * 10 + H)
    X, h0 = rng.normal(size=(B, T, D)).astype(dtype), rng.normal(size=(B, H)).astype(dtype)
    Wx, Wh = rng.normal(size=(D, H)).astype(dtype), (0.7 * rng.normal(size=(H, H))).astype(dtype)
    b = rng.normal(size=H).astype(dtype)
    dHs = rng.normal(size=(B, T, H)).astype(dtype)
    Hs, cache = rec.rnn_forward(X, h0, Wx, Wh, b)
    ours = rec.rnn_backward(dHs, cache)

    layer = keras.layers.SimpleRNN(H, return_sequences=True, dtype=np.dtype(dtype).name)
    layer.build((B, T, D))
    layer.set_weights([Wx, Wh, b])
    out, (dX, dh0, dWx, dWh, db) = _keras_pass(layer, X, [h0], dHs)
    close(Hs, out, dtype, "Hs")
    for name, got, want in zip(["dX", "dh0", "dWx", "dWh", "db"], ours, [dX, dh0, dWx, dWh, db]):
        close(got, want, dtype, name)
        assert got.dtype == dtype, name
    assert Hs.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("B,T,D,H", SHAPES)
def test_lstm_forward_and_backward_match_keras_lstm(B, T, D, H, dtype):
    rng = np.random.default_rng(B * 1000 + T * 100 + D * 10 + H + 7)
    X = rng.normal(size=(B, T, D)).astype(dtype)
    h0, c0 = rng.normal(size=(B, H)).astype(dtype), rng.normal(size=(B, H)).astype(dtype)
    Wx, Wh = rng.normal(size=(D, 4 * H)).astype(dtype), rng.normal(size=(H, 4 * H)).astype(dtype)
    b = rng.normal(size=4 * H).astype(dtype)
    dHs = rng.normal(size=(B, T, H)).astype(dtype)
    Hs, cache = rec.lstm_forward(X, h0, c0, Wx, Wh, b)
    ours = rec.lstm_backward(dHs, cache)

    layer = keras.layers.LSTM(H, return_sequences=True, dtype=np.dtype(dtype).name)
    layer.build((B, T, D))
    layer.set_weights([Wx, Wh, b])
    out, keras_grads = _keras_pass(layer, X, [h0, c0], dHs)
    close(Hs, out, dtype, "Hs")
    for name, got, want in zip(["dX", "dh0", "dc0", "dWx", "dWh", "db"], ours, keras_grads,
                               strict=True):
        close(got, want, dtype, name)
        assert got.dtype == dtype, name


def test_keras_stores_the_lstm_gates_in_the_chapters_order():
    """A forget-gate bias of +30 and every other gate at -30 keeps c0 unchanged, in Keras
    and in ours; any other gate order changes it."""
    H = 3
    b = np.full(4 * H, -30.0)
    b[H:2 * H] = 30.0
    X, c0 = np.zeros((1, 4, 2)), np.array([[0.5, -1.0, 2.0]])
    layer = keras.layers.LSTM(H, return_sequences=True, return_state=True, dtype="float64")
    layer.build((1, 4, 2))
    layer.set_weights([np.zeros((2, 4 * H)), np.zeros((H, 4 * H)), b])
    _out, _h, c_keras = layer(X, initial_state=[np.zeros((1, H)), c0])
    _Hs, cache = rec.lstm_forward(X, np.zeros((1, H)), c0, np.zeros((2, 4 * H)),
                                  np.zeros((H, 4 * H)), b)
    np.testing.assert_allclose(c_keras.numpy(), c0, atol=1e-9)
    np.testing.assert_allclose(cache[6][:, -1], c0, atol=1e-9)  # the cached cell states


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("limit", [0.1, 1.0, 5.0, 1e3])
def test_clip_by_global_norm_matches_tensorflow(limit, dtype):
    rng = np.random.default_rng(int(limit * 10))
    grads = [(rng.normal(size=(4, 3)).astype(dtype), rng.normal(size=3).astype(dtype)),
             (rng.normal(size=(3, 2)).astype(dtype), rng.normal(size=2).astype(dtype))]
    clipped, norm = rec.clip_by_global_norm(grads, limit)
    flat = [a for pair in grads for a in pair]
    tf_clipped, tf_norm = tf.clip_by_global_norm([tf.constant(a) for a in flat], limit)
    np.testing.assert_allclose(norm, tf_norm.numpy(), rtol=1e-6)
    for got, want in zip([a for pair in clipped for a in pair], tf_clipped, strict=True):
        assert got.dtype == dtype
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-5 if dtype == np.float32 else 1e-12)


# --- the claims of the text about gradient norms (float64, deterministic) ----------------

def _rnn_probe_norms(rho):
    """The notebook's measurement: 8 sequences of 50 steps, H = 32, W_h = rho Q."""
    rng = np.random.default_rng(20)
    X = rng.normal(size=(8, 50, 8))
    Wx = rng.normal(size=(8, 32)) / np.sqrt(8)
    Q = rec.orthogonal(rng, 32)
    return rec.gradient_norm_by_distance(rec.rnn_forward, rec.rnn_backward, X, np.zeros((8, 32)),
                                         (Wx, rho * Q, np.zeros(32)), np.random.default_rng(21))


def _lstm_probe_norms(rho, forget):
    X = np.random.default_rng(20).normal(size=(8, 50, 8))
    rng = np.random.default_rng(22)
    Wx = rng.normal(size=(8, 128)) / np.sqrt(8)
    Wh = rho * np.concatenate([rec.orthogonal(rng, 32) for _ in range(4)], axis=1)
    b = np.zeros(128)
    b[32:64] = forget
    h0 = np.zeros((8, 32))
    return rec.gradient_norm_by_distance(rec.lstm_forward, rec.lstm_backward, X, h0,
                                         (h0, Wx, Wh, b), np.random.default_rng(21))


def test_the_gradient_norms_the_text_quotes():
    rnn = {rho: _rnn_probe_norms(rho) for rho in (0.5, 1.0, 1.5, 3.0)}
    assert rnn[0.5][49] < 1e-20                                      # "smaller than 1e-20"
    for rho in (0.5, 1.0):                                           # "nine or more orders"
        assert np.log10(rnn[rho][0] / rnn[rho][49]) >= 9
    assert 9 <= np.log10(rnn[1.0][0] / rnn[1.0][49]) <= 11            # "about ten orders"
    assert rnn[1.0][49] < rnn[1.5][49] < rnn[1.5][0]                  # 1.5: "more slowly"
    assert np.log10(rnn[3.0][49] / rnn[3.0][0]) > 4 and rnn[3.0][49] > 1e5  # "explodes"
    lstm = {key: _lstm_probe_norms(*key) for key in [(0.5, 3.0), (1.0, 3.0), (3.0, 3.0),
                                                     (1.0, 1.0)]}
    for key in [(0.5, 3.0), (1.0, 3.0)]:                              # "more than a hundredth"
        assert lstm[key][49] > lstm[key][0] / 100
    assert np.log10(lstm[1.0, 1.0][0] / lstm[1.0, 1.0][49]) > 3       # bias 1: "more than three"
    assert lstm[1.0, 1.0][49] > rnn[1.0][49]                          # "still less than the RNN"
    assert lstm[3.0, 3.0][49] > lstm[3.0, 3.0][0]                     # "its gradient grows"
    assert lstm[3.0, 3.0][49] / lstm[3.0, 3.0][0] < rnn[3.0][49] / rnn[3.0][0]


def test_zero_inputs_follow_the_rho_to_the_k_law():
    for rho in (0.5, 1.5):
        rng = np.random.default_rng(3)
        Q = rec.orthogonal(rng, 6)
        norms = rec.gradient_norm_by_distance(
            rec.rnn_forward, rec.rnn_backward, np.zeros((2, 12, 3)), np.zeros((2, 6)),
            (rng.normal(size=(3, 6)), rho * Q, np.zeros(6)), rng)
        np.testing.assert_allclose(norms, rho ** np.arange(1, 13), rtol=1e-10)


def test_parameter_counts_of_the_text():
    (W, b), (W_out, b_out) = rec.recurrent_init("lstm", 28, 32, 10, np.random.default_rng(0))
    assert W.shape == (60, 128) and W.size + b.size + W_out.size + b_out.size == 8138
    (W, b), _ = rec.recurrent_init("rnn", 5, 32, 4, np.random.default_rng(0))
    assert W.shape == (37, 32) and b.shape == (32,)
    forget = rec.recurrent_init("lstm", 5, 32, 4, np.random.default_rng(0), forget_bias=3.0)[0][1]
    assert np.all(forget[32:64] == 3.0) and not forget[:32].any() and not forget[64:].any()


# --- the chapter's training runs, asserted within their measured spread -----------------
# tools/measure_recurrent.py ran the notebook's recipes with seeds 1..5 on this course's
# machine (AMD EPYC, 2 cores under load, OPENBLAS_NUM_THREADS=1; 2026-12-06): the recall
# task's held-out accuracy (recall_accuracy(kind, T, seed): 2,000 / 500 sequences, 32 units,
# Adam 0.01 on gradients clipped to norm 1, 12 epochs, forget bias 3) and the digits read
# row by row (train_digit_lstm(train, seed): 32 units, Adam 0.01, 5 epochs, the 4,000 /
# 1,000 split). The notebook's own runs (seed 0) are float32 training runs, so nbval does
# not compare them; they must lie in the band of these runs: the mean +- 3 standard
# deviations, at least +- 0.01 (chapter 6's floor for an accuracy). A network that only
# guesses on the recall task scores the share of its guessed class among 500 held-out
# sequences, whose standard deviation is sqrt(0.25 * 0.75 / 500) = 0.019: there the floor
# is 3 of those, 0.06.

RECALL = {  # kind: {T: accuracies for seeds 1..5}
    "rnn": {10: [1.0, 1.0, 0.998, 1.0, 1.0], 20: [1.0, 1.0, 1.0, 1.0, 1.0],
            40: [0.23, 0.264, 0.26, 0.252, 0.242], 80: [0.276, 0.256, 0.242, 0.258, 0.242]},
    "lstm": {10: [1.0, 1.0, 1.0, 1.0, 1.0], 20: [1.0, 1.0, 1.0, 1.0, 1.0],
             40: [1.0, 0.998, 0.998, 1.0, 1.0], 80: [0.224, 0.998, 0.222, 0.3, 1.0]},
}
DIGITS_LSTM = [0.904, 0.903, 0.925, 0.891, 0.912]  # seeds 1..5


def _band(samples, floor=0.01):
    values = np.array(samples)
    half = max(3 * values.std(ddof=1), floor)
    return values.mean() - half, values.mean() + half


def test_the_quoted_recall_table_is_the_measured_spread():
    learned = {kind: {T: sum(acc >= 0.9 for acc in runs) for T, runs in by_length.items()}
               for kind, by_length in RECALL.items()}
    assert learned == {"rnn": {10: 5, 20: 5, 40: 0, 80: 0}, "lstm": {10: 5, 20: 5, 40: 5, 80: 2}}
    every = [acc for by_length in RECALL.values() for runs in by_length.values() for acc in runs]
    assert all(acc >= 0.99 or acc <= 0.30 for acc in every)  # "near 1 or near 0.25"
    assert min(RECALL["rnn"][10]) == 0.998
    assert 0.23 <= min(RECALL["rnn"][40]) and max(RECALL["rnn"][40]) <= 0.27
    assert 0.24 <= min(RECALL["rnn"][80]) and max(RECALL["rnn"][80]) <= 0.28
    assert min(RECALL["lstm"][40]) >= 0.998
    failed = [acc for acc in RECALL["lstm"][80] if acc < 0.9]
    assert 0.22 <= min(failed) and max(failed) <= 0.30
    assert min(acc for acc in RECALL["lstm"][80] if acc >= 0.9) >= 0.998


def test_the_quoted_digit_comparison_is_the_measured_spread():
    """The text: LSTM 89 to 93%, MLP 92.7 to 93.3%, CNN 90 to 94% (chapter 9's six seeds),
    means 0.91 against 0.93, about two points behind."""
    assert 0.89 <= min(DIGITS_LSTM) and max(DIGITS_LSTM) <= 0.93
    assert 0.927 <= min(CH9_RUNS["mlp_plain"]) and max(CH9_RUNS["mlp_plain"]) <= 0.933
    assert 0.90 <= min(CH9_RUNS["cnn_plain"]) and max(CH9_RUNS["cnn_plain"]) <= 0.945
    means = [np.mean(DIGITS_LSTM), np.mean(CH9_RUNS["mlp_plain"]), np.mean(CH9_RUNS["cnn_plain"])]
    assert [round(m, 2) for m in means] == [0.91, 0.93, 0.93]
    assert 0.015 <= means[1] - means[0] <= 0.03 and 0.015 <= means[2] - means[0] <= 0.03
    assert max(DIGITS_LSTM) > min(CH9_RUNS["cnn_plain"])  # the ranges overlap


def test_the_notebooks_runs_land_within_the_measured_bands():
    for kind in ("rnn", "lstm"):
        accuracy, _history = rec.recall_accuracy(kind, 40, seed=0)
        low, high = _band(RECALL[kind][40], floor=0.06 if kind == "rnn" else 0.01)
        assert low <= accuracy <= high, (kind, accuracy, (low, high))
    train, test = load_mnist()
    params, _history = rec.train_digit_lstm(train, seed=0)
    logits = rec.last_state_logits("lstm", params, test.X.reshape(-1, 28, 28))[0]
    accuracy = float(np.mean(np.argmax(logits, axis=1) == test.y))
    low, high = _band(DIGITS_LSTM)
    assert low <= accuracy <= high, (accuracy, (low, high))
    assert 0.89 <= accuracy <= 0.93  # the text's range includes the notebook's seed


def test_the_clipping_run_diverges_without_clipping_and_converges_with_it():
    """The text's run: the RNN on the recall task with T = 10, plain SGD with step size 1."""
    X, y = rec.first_symbol_task(2000, 10, np.random.default_rng(30))
    runs = {}
    for label, optimizer in [("plain", None), ("clipped", rec.sgd_clipped)]:
        norms = []
        _params, history = rec.ch6.train(
            rec.recurrent_init("rnn", 5, 32, 4, np.random.default_rng(31)), X, y, epochs=5,
            lr=1.0, batch_size=64, rng=np.random.default_rng(32), optimizer=optimizer,
            loss_and_grads=rec.recording(rec.last_state_classifier("rnn"), norms))
        runs[label] = history["loss"], norms
    losses, _norms = runs["plain"]
    # "jumps far above that of guessing and training does not recover"; the figure's "above
    # guessing in every epoch, mostly far above, at about 2 to 10" (the epochs' losses of a
    # diverged run depend on rounding: 4.3 to 8.8 with the detected kernels, 2.2 to 7.2 with
    # Sandybridge's, 4.0 to 10.3 with the pre-AVX ones)
    assert min(losses) > np.log(4) and 3 < max(losses) < 11
    losses, norms = runs["clipped"]
    # "learns the task: its loss falls far below that of guessing" (about 0.02 with the
    # detected kernels, 0.11 with OpenBLAS's pre-AVX ones: SGD with step size 1 amplifies
    # rounding differences, so the bound is loose)
    assert losses[-1] < 0.25 and losses[-1] < losses[0] / 5
    assert max(norms) > 5 * np.median(norms)     # "many times larger than the typical one"


def test_keras_defaults_the_text_quotes():
    """Keras starts the LSTM's forget-gate bias at 1 and the other biases at 0, and its
    recurrent weights are orthogonal."""
    lstm = keras.layers.LSTM(4)
    lstm.build((1, 3, 2))
    _kernel, recurrent, bias = lstm.get_weights()
    np.testing.assert_array_equal(bias, [0.0] * 4 + [1.0] * 4 + [0.0] * 8)
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(4), atol=1e-5)
    rnn = keras.layers.SimpleRNN(5)
    rnn.build((1, 3, 2))
    recurrent = rnn.get_weights()[1]
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(5), atol=1e-5)
    ours = rec.recurrent_init("lstm", 2, 4, 3, np.random.default_rng(0))[0][0][2:]
    for gate in range(4):
        block = ours[:, 4 * gate:4 * gate + 4]
        np.testing.assert_allclose(block @ block.T, np.eye(4), atol=1e-6)
