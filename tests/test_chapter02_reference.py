"""Chapter 2's reference answers and the facts the chapter states."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from notebook_tools import load_reference

from autograder.course import Notebook

ref = load_reference(Notebook("02_forward", "forward"))
sizes = st.lists(st.integers(1, 50), min_size=2, max_size=6)


def test_the_784_128_64_10_network_has_109386_parameters():
    by_hand = (784 * 128 + 128) + (128 * 64 + 64) + (64 * 10 + 10)
    assert ref.count_parameters([784, 128, 64, 10]) == by_hand
    assert ref.count_parameters([784, 128, 64, 10]) == 109_386


@settings(max_examples=50, deadline=None)
@given(sizes, st.integers(0, 2**32 - 1))
def test_init_params_has_count_parameters_numbers(layer_sizes, seed):
    params = ref.init_params(layer_sizes, np.random.default_rng(seed))
    assert sum(W.size + b.size for W, b in params) == ref.count_parameters(layer_sizes)
    for (W, b), n_in, n_out in zip(params, layer_sizes[:-1], layer_sizes[1:], strict=True):
        assert W.shape == (n_in, n_out) and b.shape == (n_out,) and not b.any()


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 8), st.integers(1, 8), st.integers(1, 8), st.integers(0, 1000))
def test_affine_trick_equals_the_dense_layer(batch, n_in, n_out, seed):
    rng = np.random.default_rng(seed)
    X, W, b = rng.normal(size=(batch, n_in)), rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)
    np.testing.assert_allclose(ref.add_bias_column(X) @ np.vstack([W, b]), X @ W + b,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ref.dense_forward(X, W, b), X @ W + b, rtol=1e-12, atol=1e-12)


def test_column_form_is_the_transpose_of_the_row_form():
    rng = np.random.default_rng(3)
    X, W, b = rng.normal(size=(5, 4)), rng.normal(size=(4, 3)), rng.normal(size=3)
    column_form = W.T @ X.T + b[:, None]  # the notes' Z = W A + b, one example per column
    np.testing.assert_allclose(column_form.T, ref.dense_forward(X, W, b))


def test_xor_network_separates_xor_and_no_line_does():
    inputs = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    logits, _ = ref.mlp_forward(inputs, ref.xor_params())
    assert ((logits.ravel() > 0) == np.array([False, True, True, False])).all()
    # No linear classifier gets all four right: search a dense grid of lines.
    angles = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    best = 0
    for angle in angles:
        w = np.array([np.cos(angle), np.sin(angle)])
        for c in np.linspace(-2, 2, 161):
            best = max(best, int(((inputs @ w + c > 0) == [0, 1, 1, 0]).sum()))
    assert best == 3


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mlp_forward_keeps_dtype_and_caches_every_layer(dtype):
    rng = np.random.default_rng(4)
    params = [(W.astype(dtype), b.astype(dtype))
              for W, b in ref.init_params([6, 5, 4, 3], rng)]
    X = rng.normal(size=(7, 6)).astype(dtype)
    logits, cache = ref.mlp_forward(X, params)
    assert logits.dtype == dtype and logits.shape == (7, 3) and len(cache) == 3


def _stable_cross_entropy(logits, labels):
    """Mean cross-entropy from logits by log-sum-exp: never overflows."""
    top = logits.max(axis=1, keepdims=True)
    log_norm = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
    return log_norm - logits[np.arange(len(labels)), labels]


def test_what_the_three_weight_scales_do_to_a_ten_class_loss():
    # The text's claims about the twenty-layer network of width 256 (the figure's) with 10
    # outputs on top. Over seeds 0-39 the He-times-2 network gave mean losses 1,711-6,659
    # (median 2,793) and 97.7-100% of examples above 0.999 (2026-12-06): the text's range.
    rng = np.random.default_rng(3)
    X = rng.standard_normal((512, 256))
    params = ref.init_params([256] * 21 + [10], rng)
    labels = rng.integers(0, 10, size=512)
    results = {}
    for factor in (np.sqrt(0.5), 1.0, np.sqrt(2.0)):
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow
            logits, _ = ref.mlp_forward(X, [(factor * W, b) for W, b in params])
            loss = _stable_cross_entropy(logits, labels)
        top = np.exp(logits - logits.max(axis=1, keepdims=True))
        top = (top / top.sum(axis=1, keepdims=True)).max(axis=1)
        results[factor] = (np.abs(logits).max(), loss.mean(), np.mean(top > 0.999),
                           np.mean(logits.argmax(axis=1) == labels))
    small, _, large = results.values()
    assert small[1] == pytest.approx(np.log(10.0), abs=0.01)  # nearly uniform softmax
    assert 100 < large[0] and large[2] > 0.95                  # saturated softmax
    assert 1_700 < large[1] < 6_700 and large[3] < 0.2         # confidently wrong, thousands


def test_glorot_is_the_harmonic_mean_of_lecun_forward_and_backward():
    for n_in, n_out in [(784, 128), (128, 64), (100, 100)]:
        glorot = 2.0 / (n_in + n_out)
        assert glorot == pytest.approx(2.0 / (n_in + n_out))
        assert glorot == pytest.approx(2.0 / (1.0 / (1.0 / n_in) + 1.0 / (1.0 / n_out)))
        assert (glorot == pytest.approx(1.0 / n_in)) == (n_in == n_out)


def test_he_forward_scale_keeps_the_backward_pass_bounded_whatever_the_widths():
    # With Var(w) = 2 / n_in, going backwards each ReLU layer multiplies the gradient's
    # variance by n_out / n_in: the product telescopes instead of growing with depth.
    rng = np.random.default_rng(1)
    sizes = [300] + [100, 400] * 8 + [300]
    params = ref.init_params(sizes, rng)
    X = rng.standard_normal((256, sizes[0]))
    logits, cache = ref.mlp_forward(X, params)
    gradient = rng.standard_normal(logits.shape)
    start = gradient.var()
    for (W, _), (_, Z), layer in zip(reversed(params), reversed(cache),
                                     range(len(params), 0, -1), strict=True):
        if layer < len(params):
            gradient = gradient * (Z > 0)
        gradient = gradient @ W.T
    predicted = 2.0 * sizes[-1] / sizes[0]   # 2 n_D / n_0 (the last layer has no ReLU)
    assert 0.5 * predicted < gradient.var() / start < 2.0 * predicted


def test_an_all_zero_relu_network_only_moves_its_output_biases():
    rng = np.random.default_rng(2)
    X, labels = rng.normal(size=(16, 4)), rng.integers(0, 3, size=16)
    params = [(np.zeros((4, 5)), np.zeros(5)), (np.zeros((5, 5)), np.zeros(5)),
              (np.zeros((5, 3)), np.zeros(3))]

    def loss():
        logits, _ = ref.mlp_forward(X, params)
        return _stable_cross_entropy(logits, labels).mean()

    eps = 1e-6
    for layer, (W, b) in enumerate(params):
        for array in (W, b):
            gradient = np.zeros(array.shape)
            for index in np.ndindex(array.shape):
                array[index] = eps
                up = loss()
                array[index] = -eps
                down = loss()
                array[index] = 0.0
                gradient[index] = (up - down) / (2 * eps)
            moves = np.abs(gradient).max() > 1e-8
            assert moves == (layer == len(params) - 1 and array is b)


def test_batched_and_one_by_one_products_agree_up_to_rounding():
    """'The result is the same, up to rounding': within n rounding errors of the sum of the
    products' sizes (the standard bound for a sum of n products), not necessarily equal."""
    rng = np.random.default_rng(21)
    X, W, b = rng.normal(size=(64, 784)), rng.normal(size=(784, 128)), rng.normal(size=128)
    batched = ref.dense_forward(X, W, b)
    one_by_one = np.stack([ref.dense_forward(x[None, :], W, b)[0] for x in X])
    bound = 784 * np.finfo(np.float64).eps * (np.abs(X) @ np.abs(W) + np.abs(b))
    assert np.all(np.abs(batched - one_by_one) <= bound)
    assert np.max(np.abs(batched - one_by_one) / np.abs(batched).max()) < 1e-11
