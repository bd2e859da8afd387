"""Chapter 1's reference answers, checked against independent oracles.

The functions come from solutions/01_neuron (their only copy), and every formula the
chapter states is checked here: derivatives by central finite differences, identities
numerically, and the stability claims at |z| = 1000.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from notebook_tools import load_reference
from scipy.special import expit

from autograder.course import Notebook

ref = load_reference(Notebook("01_neuron", "neuron"))
finite = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_subnormal=False)
moderate = st.floats(min_value=-20, max_value=20, allow_nan=False, allow_subnormal=False)
z_arrays = arrays(np.float64, st.integers(1, 20), elements=finite)


def central_difference(f, z, eps=1e-6):
    return (f(z + eps) - f(z - eps)) / (2 * eps)


@settings(max_examples=200, deadline=None)
@given(z_arrays)
def test_sigmoid_matches_scipy_and_never_warns(z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = ref.sigmoid(z)
    np.testing.assert_allclose(s, expit(z), rtol=1e-12, atol=1e-300)
    assert np.all((s >= 0) & (s <= 1))


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, st.integers(1, 10), elements=moderate))
def test_derivatives_match_finite_differences(z):
    for f, grad in [(ref.sigmoid, ref.sigmoid_grad), (ref.tanh, ref.tanh_grad)]:
        np.testing.assert_allclose(grad(z), central_difference(f, z), atol=1e-8)


@settings(max_examples=100, deadline=None)
@given(z_arrays)
def test_tanh_is_a_rescaled_sigmoid(z):
    np.testing.assert_allclose(ref.tanh(z), np.tanh(z), atol=1e-15)
    np.testing.assert_allclose(ref.tanh(z), 2 * ref.sigmoid(2 * z) - 1, atol=1e-12)


def test_sigmoid_derivative_is_at_most_a_quarter():
    z = np.linspace(-10, 10, 2001)
    assert ref.sigmoid_grad(z).max() == pytest.approx(0.25)
    assert ref.sigmoid_grad(np.array(0.0)) == 0.25


def test_relu_derivative_away_from_zero_and_the_convention_at_zero():
    z = np.array([-2.0, -1e-3, 1e-3, 3.0])
    np.testing.assert_allclose(ref.relu_grad(z), central_difference(ref.relu, z, 1e-4), atol=1e-9)
    assert ref.relu_grad(np.array(0.0)) == 0.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["sigmoid", "sigmoid_grad", "tanh", "tanh_grad",
                                  "relu", "relu_grad"])
def test_activations_keep_dtype_and_shape_and_input(name, dtype):
    z = np.random.default_rng(1).normal(scale=50, size=(3, 4)).astype(dtype)
    before = z.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = getattr(ref, name)(z)
    assert out.dtype == dtype and out.shape == z.shape
    np.testing.assert_array_equal(z, before)


def test_neuron_is_the_activation_of_an_affine_map():
    rng = np.random.default_rng(2)
    X, w, b = rng.normal(size=(5, 3)), rng.normal(size=3), 0.7
    np.testing.assert_allclose(ref.neuron(X, w, b, np.tanh), np.tanh(X @ w + b))
    single = ref.neuron(X[0], w, b, ref.sigmoid)
    assert np.shape(single) == ()
    np.testing.assert_allclose(single, expit(X[0] @ w + b))
