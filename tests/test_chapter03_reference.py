"""Chapter 3's reference softmax and cross-entropy: properties for any finite input."""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from notebook_tools import load_reference
from scipy.special import log_softmax, softmax

from autograder.course import Notebook

ref = load_reference(Notebook("03_softmax", "softmax"))
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_subnormal=False)
logits = arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(2, 6)), elements=finite)


def quiet(f, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return f(*args)


@settings(max_examples=200, deadline=None)
@given(logits)
def test_softmax_rows_are_finite_probabilities_summing_to_one(Z):
    P = quiet(ref.softmax, Z)
    assert np.all(np.isfinite(P)) and np.all(P >= 0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(P, softmax(Z, axis=1), rtol=1e-9, atol=1e-15)


@settings(max_examples=200, deadline=None)
@given(logits)
def test_log_softmax_is_finite_and_matches_scipy(Z):
    log_P = quiet(ref.log_softmax, Z)
    assert np.all(np.isfinite(log_P))
    np.testing.assert_allclose(log_P, log_softmax(Z, axis=1), rtol=1e-9, atol=1e-9)


@settings(max_examples=200, deadline=None)
@given(logits, st.data())
def test_loss_is_finite_nonnegative_and_matches_its_definition(Z, data):
    y = data.draw(arrays(np.int64, Z.shape[0], elements=st.integers(0, Z.shape[1] - 1)))
    loss = quiet(ref.softmax_cross_entropy, Z, y)
    assert np.isfinite(loss) and loss >= 0
    expected = -np.mean(log_softmax(Z, axis=1)[np.arange(len(y)), y])
    np.testing.assert_allclose(loss, expected, rtol=1e-9, atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(2, 5)),
              elements=st.floats(-10, 10)), st.data())
def test_gradient_agrees_with_central_differences(Z, data):
    y = data.draw(arrays(np.int64, Z.shape[0], elements=st.integers(0, Z.shape[1] - 1)))
    grad = ref.softmax_cross_entropy_grad(Z, y)
    eps, numeric = 1e-6, np.zeros_like(Z)
    for index in np.ndindex(Z.shape):
        step = np.zeros_like(Z)
        step[index] = eps
        numeric[index] = (ref.softmax_cross_entropy(Z + step, y)
                          - ref.softmax_cross_entropy(Z - step, y)) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, atol=1e-8)


def test_gradient_is_p_minus_y_over_batch():
    rng = np.random.default_rng(5)
    Z, y = rng.normal(size=(4, 3)), np.array([0, 2, 1, 2])
    expected = (softmax(Z, axis=1) - np.eye(3)[y]) / 4
    np.testing.assert_allclose(ref.softmax_cross_entropy_grad(Z, y), expected, atol=1e-15)


def test_cross_entropy_has_the_minus_sign_and_matches_the_sparse_loss():
    rng = np.random.default_rng(6)
    Z, y = rng.normal(size=(5, 4)), rng.integers(0, 4, 5)
    dense = ref.cross_entropy(ref.softmax(Z), ref.one_hot(y, 4))
    assert dense > 0
    np.testing.assert_allclose(dense, ref.softmax_cross_entropy(Z, y), rtol=1e-9)


def test_float32_stays_float32():
    Z = np.array([[1e4, -1e4, 0.0]], dtype=np.float32)
    assert quiet(ref.softmax, Z).dtype == np.float32
    assert quiet(ref.log_softmax, Z).dtype == np.float32
    assert ref.softmax_cross_entropy_grad(Z, np.array([1])).dtype == np.float32


def test_cross_entropy_weighs_every_entry_of_soft_labels():
    rng = np.random.default_rng(7)
    P = softmax(rng.normal(size=(5, 4)), axis=1)
    Y = 0.9 * np.eye(4)[rng.integers(0, 4, 5)] + 0.1 / 4  # label smoothing
    expected = -np.mean(np.sum(Y * np.log(P + 1e-12), axis=1))
    np.testing.assert_allclose(ref.cross_entropy(P, Y), expected, rtol=1e-12)
    only_ones = -np.mean(np.sum(np.where(Y == Y.max(axis=1, keepdims=True), np.log(P), 0), axis=1))
    assert abs(ref.cross_entropy(P, Y) - only_ones) > 1e-2


@settings(max_examples=100, deadline=None)
@given(st.floats(-30, 30), st.sampled_from([0.0, 1.0, 0.3]))
def test_binary_cross_entropy_is_two_class_softmax_cross_entropy(s, t):
    """The chapter's binary cross-entropy in the score s, its special cases and derivative."""
    sigma = 1 / (1 + np.exp(-s))
    binary = -t * np.log(sigma) - (1 - t) * np.log1p(-sigma) if abs(s) < 10 else None
    two_class = -(t * log_softmax([s, 0.0])[0] + (1 - t) * log_softmax([s, 0.0])[1])
    if binary is not None:
        np.testing.assert_allclose(binary, two_class, rtol=1e-7, atol=1e-12)
    if t == 1.0:
        np.testing.assert_allclose(two_class, np.logaddexp(0, -s), rtol=1e-9, atol=1e-15)
    if t == 0.0:
        np.testing.assert_allclose(two_class, np.logaddexp(0, s), rtol=1e-9, atol=1e-15)
    eps = 1e-6
    numeric = (-(t * log_softmax([s + eps, 0.0])[0] + (1 - t) * log_softmax([s + eps, 0.0])[1])
               + (t * log_softmax([s - eps, 0.0])[0] + (1 - t) * log_softmax([s - eps, 0.0])[1])
               ) / (2 * eps)
    np.testing.assert_allclose(numeric, sigma - t, atol=1e-8)


def test_huge_logits_give_a_huge_finite_loss_and_a_saturated_gradient():
    """What a badly scaled network gives: the loss is about the logit gap, no overflow."""
    rng = np.random.default_rng(2)
    Z, y = 1000.0 * rng.normal(size=(512, 10)), rng.integers(0, 10, 512)
    loss = quiet(ref.softmax_cross_entropy, Z, y)
    gap = Z.max(axis=1) - Z[np.arange(512), y]
    assert np.isfinite(loss) and loss > 100 * np.log(10)
    assert np.mean(gap) <= loss <= np.mean(gap) + np.log(10)
    G = 512 * quiet(ref.softmax_cross_entropy_grad, Z, y)
    assert np.all(np.abs(G) <= 1 + 1e-12)
    assert np.mean(np.min(np.abs(G[..., None] - np.array([-1.0, 0.0, 1.0])), axis=-1) < 1e-9) > 0.95
