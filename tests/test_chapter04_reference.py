"""Chapter 4's reference gradient checker, and the numbers the chapter states."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays
from notebook_tools import load_reference
from scipy.special import log_softmax, softmax

from autograder.course import Notebook

ref = load_reference(Notebook("04_gradcheck", "gradcheck"))
smooth = st.floats(min_value=-3, max_value=3, allow_nan=False)
CONFIDENT_LOGITS = np.array([[0.3, -0.2, 0.1], [25.0, 0.0, 0.0], [1.0, 2.0, -1.0]])
CONFIDENT_LABELS = np.array([0, 0, 1])


def mean_loss(Z, y):
    return -np.mean(log_softmax(Z, axis=1)[np.arange(len(y)), y])


def mean_loss_grad(Z, y):
    return (softmax(Z, axis=1) - np.eye(Z.shape[1])[y]) / Z.shape[0]


def entrywise_error(a, b):
    """The entry-by-entry relative error the chapter rejects."""
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-12)))


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, array_shapes(min_dims=0, max_dims=3, max_side=4), elements=smooth))
def test_numerical_gradient_matches_a_known_gradient_and_restores_x(x):
    before = x.copy()
    grad = ref.numerical_gradient(lambda v: np.sum(np.sin(v) * v**2), x)
    assert grad.shape == x.shape and np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad, np.cos(x) * x**2 + 2 * x * np.sin(x), atol=1e-7)
    np.testing.assert_array_equal(x, before)


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, st.integers(1, 6), elements=smooth))
def test_check_gradient_passes_a_right_gradient_and_fails_a_wrong_one(x):
    def f(v):
        return np.sum(np.exp(v) + v**3)

    assert ref.check_gradient(f, lambda v: np.exp(v) + 3 * v**2, x) < 1e-8
    assert ref.check_gradient(f, lambda v: np.exp(v) + 2 * v**2, x + 3.5) > 1e-2


# ||a - n|| and ||a|| + ||n|| are each rounded, so "between 0 and 1" holds up to this.
ROUNDING = 4 * np.finfo(np.float64).eps
# Entries of size 1e-6 to 3 (or 0), so that scaling by 1e+-30 neither underflows nor overflows.
moderate = st.one_of(st.just(0.0), st.floats(1e-6, 3), st.floats(-3, -1e-6))
finite_pairs = array_shapes(min_dims=1, max_dims=3, max_side=5).flatmap(
    lambda shape: st.tuples(arrays(np.float64, shape, elements=moderate),
                            arrays(np.float64, shape, elements=moderate)))


@settings(max_examples=200, deadline=None)
@given(finite_pairs, st.sampled_from([1e-30, 1e-12, 1.0, 1e12, 1e30]))
def test_relative_error_is_symmetric_scale_free_and_between_0_and_1(pair, factor):
    a, b = pair
    err = ref.relative_error(a, b)
    assert 0.0 <= err <= 1.0 + ROUNDING
    assert err == ref.relative_error(b, a)
    assert abs(ref.relative_error(factor * a, factor * b) - err) <= 1e-12 + 1e-9 * err
    assert (err == 0.0) == np.array_equal(a, b)


def test_opposite_arrays_give_one_up_to_a_rounding_error():
    """The chapter's example: exactly 1 in exact arithmetic, 1 + 2.2e-16 in float64."""
    err = ref.relative_error(np.array([1.0, 1.0]), np.array([-3.0, -3.0]))
    assert err == 1.0 + np.finfo(np.float64).eps
    assert abs(ref.relative_error(np.array([2.0, -1.0]), np.array([-2.0, 1.0])) - 1.0) <= ROUNDING
    # "a rounding error or two": two are possible.
    two = ref.relative_error(np.array([2.7, 2.3]), np.array([-5.4, -4.6]))
    assert two == 1.0 + 2 * np.finfo(np.float64).eps


def test_scale_freeness_holds_only_where_the_squares_are_normal_floats():
    """The text: scale-free between about 1e-154 and 1e154; nan above, 0 far below."""
    a, n = np.array([1.0, 2.0]), np.array([1.1, 2.0])
    plain = ref.relative_error(a, n)
    for scale in (1e-150, 1e-100, 1e100, 1e150):
        assert ref.relative_error(scale * a, scale * n) == pytest.approx(plain, rel=1e-12)
    with np.errstate(all="ignore"):
        assert np.isnan(ref.relative_error(1e160 * a, 1e160 * n))
        assert ref.relative_error(1e-200 * a, 1e-200 * n) == 0.0
        assert ref.relative_error(1e-160 * a, 1e-160 * n) != pytest.approx(plain, rel=1e-3)


def test_relative_error_known_values():
    a = np.array([1.0, -2.0, 0.5])
    for c in (2.0, 3.0, 0.25, 10.0):
        assert abs(ref.relative_error(a, c * a) - abs(c - 1) / (c + 1)) < 1e-15
    assert ref.relative_error(a, -a) == 1.0
    assert ref.relative_error(a, np.zeros(3)) == 1.0
    assert ref.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    # The try-it values: 0.2 / (sqrt 5 + sqrt 5.84) and a tiny entry set to 0.
    assert f"{ref.relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])):.6f}" == "0.042986"
    tiny = ref.relative_error(np.array([0.5, -0.25, 1e-11]), np.array([0.5, -0.25, 0.0]))
    assert f"{tiny:.1e}" == "8.9e-12"


def test_confident_example_passes_the_norm_based_check_and_fails_the_entrywise_one():
    """The chapter's case: the exact (P - Y)/B with a logit margin of 25."""
    y = CONFIDENT_LABELS
    exact = mean_loss_grad(CONFIDENT_LOGITS, y)
    assert np.all(np.abs(exact[1]) < 1e-11) and np.all(np.abs(exact[1]) > 1e-12)
    estimate = ref.numerical_gradient(lambda Z: mean_loss(Z, y), CONFIDENT_LOGITS.copy())
    assert np.all(estimate[1] == 0.0)
    assert entrywise_error(exact, estimate) == 1.0
    assert ref.check_gradient(lambda Z: mean_loss(Z, y), lambda Z: mean_loss_grad(Z, y),
                              CONFIDENT_LOGITS.copy()) < 1e-8
    # At margin 20 the entry-by-entry error is already a few percent.
    Z20 = CONFIDENT_LOGITS.copy()
    Z20[1, 0] = 20.0
    estimate20 = ref.numerical_gradient(lambda Z: mean_loss(Z, y), Z20.copy())
    assert 1e-2 < entrywise_error(mean_loss_grad(Z20, y), estimate20) < 1e-1


def _train_tanh_network(seed, steps=400, lr=2.0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), 4)
    X = np.array([[2.0, 0.0], [-2.0, 2.0], [0.0, -2.0]])[y] + rng.normal(scale=0.3, size=(12, 2))
    params = [rng.normal(size=(2, 5)), np.zeros(5), rng.normal(size=(5, 3)), np.zeros(3)]

    def loss(ps):
        return mean_loss(np.tanh(X @ ps[0] + ps[1]) @ ps[2] + ps[3], y)

    def grads(ps):
        H = np.tanh(X @ ps[0] + ps[1])
        delta = mean_loss_grad(H @ ps[2] + ps[3], y)
        back = (delta @ ps[2].T) * (1 - H**2)
        return [X.T @ back, back.sum(axis=0), H.T @ delta, delta.sum(axis=0)]

    for _ in range(steps):
        params = [p - lr * g for p, g in zip(params, grads(params), strict=True)]
    return params, loss, grads


def test_a_confidently_trained_network_passes_its_gradient_check():
    """Trained until every example has p > 0.999: a correct gradient's error stays at the
    round-off law of the text, about 1e-10 / ||a|| (asserted with a factor 10 of margin),
    not below any fixed bound."""
    for seed in range(4):
        params, loss, grads = _train_tanh_network(seed)
        assert loss(params) < 1e-3
        for i in range(4):
            assert np.linalg.norm(grads(params)[i]) < 1e-3

            def f(v, i=i, params=params, loss=loss):
                return loss(params[:i] + [v] + params[i + 1:])

            def g(v, i=i, params=params, grads=grads):
                return grads(params[:i] + [v] + params[i + 1:])[i]

            norm_a = np.linalg.norm(g(params[i].copy()))
            assert 1e-9 < ref.check_gradient(f, g, params[i].copy()) < 1e-9 / norm_a
            assert ref.check_gradient(f, lambda v, g=g: 12 * g(v), params[i].copy()) > 0.8


def test_relative_error_grows_as_training_shrinks_the_gradient():
    """The chapter's table: ||a - n|| stays near 1e-10 while ||a|| shrinks."""
    rng = np.random.default_rng(48)
    Z, y = rng.normal(size=(6, 4)), rng.integers(0, 4, size=6)
    done, errors = 0, []
    for steps in [0, 10, 100, 1000, 10000]:
        while done < steps:
            Z = Z - 50.0 * mean_loss_grad(Z, y)
            done += 1
        a = mean_loss_grad(Z, y)
        n = ref.numerical_gradient(lambda v: mean_loss(v, y), Z.copy())
        assert 1e-11 < np.linalg.norm(a - n) < 1e-9
        errors.append(ref.relative_error(a, n))
        assert entrywise_error(a, n) >= errors[-1]
    assert errors[0] < 1e-8 and 1e-6 < errors[-1] < 1e-4


def test_one_entry_off_is_diluted_by_the_norm():
    rng = np.random.default_rng(4301)
    for shape in [(7,), (3, 4), (2, 2, 3)]:
        g = rng.uniform(0.5, 1.5, size=shape)
        off = g.copy()
        off.flat[-1] *= 1.1
        assert 3e-3 < ref.relative_error(g, off) < 3e-2


def test_float32_check_reaches_about_1e_5_at_best():
    """The habit 'check in float64': float32 gives ~1e-1 at eps 1e-6 and ~1e-5 at 1e-2."""
    rng = np.random.default_rng(47)
    Z32 = rng.normal(size=(4, 3)).astype(np.float32)
    y = rng.integers(0, 3, size=4)

    def loss32(Z):
        return float(mean_loss(Z.astype(np.float32), y).astype(np.float32))

    exact = mean_loss_grad(Z32.astype(np.float64), y)
    errors = {eps: ref.relative_error(exact, ref.numerical_gradient(loss32, Z32, eps))
              for eps in (1e-6, 1e-4, 1e-3, 1e-2)}
    assert errors[1e-6] > 1e-2
    assert min(errors.values()) == errors[1e-2] and 1e-6 < errors[1e-2] < 1e-4


def test_a_gradient_b_times_too_large_makes_a_tuned_learning_rate_diverge():
    """The text: a small learning rate hides a missing 1/B; a tuned one oscillates or grows."""
    rng = np.random.default_rng(0)
    B = 16
    X, y = 2 * rng.normal(size=(B, 2)), rng.integers(0, 3, size=B)

    def run(factor, lr, steps=50):
        W, losses = np.zeros((2, 3)), []
        for _ in range(steps):
            W = W - lr * factor * X.T @ mean_loss_grad(X @ W, y)
            losses.append(mean_loss(X @ W, y))
        return np.array(losses)

    right = run(1.0, lr=1.0)
    assert np.all(np.diff(right) <= 0)
    wrong = run(float(B), lr=1.0)
    assert np.any(np.diff(wrong) > 0) and wrong[-1] > 5 * right[-1]
    np.testing.assert_allclose(run(float(B), lr=1.0 / B), right, rtol=1e-12)


def test_central_difference_error_is_second_order_and_forward_is_first_order():
    """Halving eps divides the central error by ~4 and the forward error by ~2."""
    x, exact = 1.0, np.cos(1.0)

    def forward(eps):
        return abs((np.sin(x + eps) - np.sin(x)) / eps - exact)

    def central(eps):
        return abs(ref.numerical_gradient(lambda v: np.sin(v).sum(), np.array([x]), eps)[0]
                   - exact)

    assert 1.9 < forward(1e-3) / forward(5e-4) < 2.1
    assert 3.9 < central(1e-2) / central(5e-3) < 4.1
