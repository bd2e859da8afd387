"""Chapter 4's reference gradient checker, and the error orders the chapter states."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays
from notebook_tools import load_reference

from autograder.course import Notebook

ref = load_reference(Notebook("04_gradcheck", "gradcheck"))
smooth = st.floats(min_value=-3, max_value=3, allow_nan=False)


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

    assert ref.check_gradient(f, lambda v: np.exp(v) + 3 * v**2, x) < 1e-6
    assert ref.check_gradient(f, lambda v: np.exp(v) + 2 * v**2, x + 3.5) > 1e-2


def test_relative_error_is_symmetric_and_zero_for_equal_arrays():
    a, b = np.array([1.0, 2.0]), np.array([1.0, 2.5])
    assert ref.relative_error(a, b) == ref.relative_error(b, a)
    assert ref.relative_error(np.zeros(3), np.zeros(3)) == 0.0


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
