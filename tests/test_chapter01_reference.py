"""Chapter 1's reference answers, checked against independent oracles.

The functions come from solutions/01_neuron (their only copy), and every formula the
chapter states is checked here: derivatives by central finite differences, identities
numerically, and the stability claims at |z| = 1000.
"""

from __future__ import annotations

import warnings
from decimal import Decimal, localcontext
from pathlib import Path

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


# ---------------------------------------------------------------------------------------
# The numerical claims of the text: tanh near 0, sigmoid_grad's tails, thresholds.

def _exact_tanh(x: float) -> float:
    """tanh to about 40 digits, then rounded to float64."""
    with localcontext() as context:
        context.prec = 60
        e = (2 * Decimal(float(x))).exp()
        return float((e - 1) / (e + 1))


def _exact_sigmoid_grad(x: float) -> float:
    with localcontext() as context:
        context.prec = 60
        e = (-Decimal(float(x))).exp()
        return float(e / (1 + e) ** 2)


SMALL_AND_LARGE = np.concatenate([np.logspace(-12, np.log10(20.0), 400),
                                  -np.logspace(-12, np.log10(20.0), 60)])


# NumPy's accuracy promise for expm1, in units in the last place, on every CPU it supports
# (numpy/_core/tests/data/umath-validation-set-expm1.csv, checked below where installed).
EXPM1_ULP = {np.float64: 1, np.float32: 3}


def _derived_tanh_bound(dtype) -> float:
    """The text's bound for -m / (2 + m) with m = expm1(-2|z|): a relative error of k ulp in m
    (k * eps) grows by 2 / (2 + m) <= 2; the addition and the division round once each."""
    return (2 * EXPM1_ULP[dtype] + 1) * float(np.finfo(dtype).eps)


def test_the_expm1_accuracy_the_bound_assumes_is_numpys_own():
    data = Path(np.__file__).parent / "_core" / "tests" / "data" / "umath-validation-set-expm1.csv"
    if not data.exists():
        pytest.skip("this NumPy ships no accuracy data")
    rows = [line.split(",") for line in data.read_text().splitlines()[1:] if line.strip()]
    for dtype in (np.float64, np.float32):
        tolerances = {int(row[3]) for row in rows if row[0] == f"np.{dtype.__name__}"}
        assert tolerances == {EXPM1_ULP[dtype]}


@pytest.mark.parametrize(("dtype", "bound"), [(np.float64, 6.7e-16), (np.float32, 8.4e-7)])
def test_expm1_tanh_is_accurate_from_tiny_to_large_z(dtype, bound):
    assert _derived_tanh_bound(dtype) <= bound  # the numbers the text quotes
    z = SMALL_AND_LARGE.astype(dtype)
    got = ref.tanh(z)
    assert got.dtype == dtype
    exact = np.array([_exact_tanh(x) for x in z])
    assert np.max(np.abs(got.astype(np.float64) - exact) / np.abs(exact)) <= _derived_tanh_bound(
        dtype)
    assert np.array_equal(ref.tanh(np.array([-1000.0, 1000.0], dtype=dtype)), [-1.0, 1.0])


def test_the_exp_form_of_tanh_cancels_near_zero_as_the_text_says():
    def exp_form(z):
        e = np.exp(-2.0 * np.abs(z))
        return np.sign(z) * (1.0 - e) / (1.0 + e)

    error64 = abs(exp_form(np.float64(1e-9)) - _exact_tanh(1e-9)) / 1e-9
    assert 1e-8 < error64 < 1e-7  # "off by 3e-8"
    z32 = np.float32(1e-5)
    error32 = abs(float(exp_form(z32)) - _exact_tanh(float(z32))) / float(z32)
    assert 5e-4 < error32 < 5e-3  # "about 1e-3"
    assert exp_form(np.float32(1e-9)) == 0.0  # "returns exactly 0"
    # ... and so does 2 sigma(2z) - 1, the identity computed with the stable sigmoid.
    assert abs(2.0 * ref.sigmoid(np.float64(2e-9)) - 1.0 - 1e-9) / 1e-9 > 1e-8


def test_sigmoid_grad_tails_absolute_accuracy_and_relative_loss():
    z = np.linspace(-60.0, 60.0, 2401)
    exact = np.array([_exact_sigmoid_grad(x) for x in z])
    assert np.max(np.abs(ref.sigmoid_grad(z) - exact)) < 2e-16  # "about 1e-16"
    z32 = z.astype(np.float32)
    exact32 = np.array([_exact_sigmoid_grad(x) for x in z32])
    assert np.max(np.abs(ref.sigmoid_grad(z32).astype(np.float64) - exact32)) < 1e-7
    # relative terms: 0.1% off at z = 30, exactly 0 from z ~ 37 (float64) and ~ 17 (float32)
    assert 5e-4 < abs(ref.sigmoid_grad(30.0) - _exact_sigmoid_grad(30.0)) / \
        _exact_sigmoid_grad(30.0) < 2e-3
    assert ref.sigmoid_grad(36.0) > 0.0 and ref.sigmoid_grad(37.0) == 0.0
    assert ref.sigmoid_grad(np.float32(16.0)) > 0.0
    assert ref.sigmoid_grad(np.float32(17.0)) == 0.0
    # sigma(z) sigma(-z) keeps full relative precision in both tails, in both dtypes.
    for dtype, bound in [(np.float64, 1e-15), (np.float32, 1e-6)]:
        zz = z.astype(dtype)
        product = (ref.sigmoid(zz) * ref.sigmoid(-zz)).astype(np.float64)
        exact_zz = np.array([_exact_sigmoid_grad(x) for x in zz])
        assert np.max(np.abs(product - exact_zz) / exact_zz) < bound


def test_the_sigmoid_text_numbers():
    assert np.log(np.finfo(np.float64).max) == pytest.approx(709.78, abs=0.01)
    assert np.log(np.finfo(np.float32).max) == pytest.approx(88.72, abs=0.01)
    assert np.exp(-745.2) == 0.0 and np.exp(-745.0) > 0.0
    true = float(expit(-30.0))
    assert true == pytest.approx(9.4e-14, rel=0.01)
    assert abs((1 - 1 / (1 + np.exp(-30.0))) - true) / true > 1e-4  # about three digits


def test_decision_boundary_is_the_preimage_of_the_threshold():
    rng = np.random.default_rng(5)
    X, w, b = rng.normal(scale=3.0, size=(20_000, 2)), np.array([1.5, -1.0]), 0.5
    z = X @ w + b
    for f, t, c in [(ref.sigmoid, 0.5, 0.0), (ref.sigmoid, 0.9, np.log(9.0)),
                    (ref.tanh, 0.3, np.arctanh(0.3)), (ref.relu, 0.7, 0.7)]:
        yes = ref.neuron(X, w, b, f) > t
        far = np.abs(z - c) > 1e-9
        np.testing.assert_array_equal(yes[far], (z > c)[far])
    assert np.log(9.0) == pytest.approx(2.2, abs=0.01)


def test_a_sigmoid_factor_reaches_one_only_in_a_narrow_window():
    # |w sigma'(w a + b)| >= 1 needs |w| > 4; the window of inputs a has width <= ~0.45.
    a = np.linspace(-3.0, 3.0, 600_001)
    widest = 0.0
    for w in np.linspace(0.5, 40.0, 400):
        factor = w * ref.sigmoid_grad(w * a)
        if w <= 4.0:
            assert factor.max() <= 1.0
        inside = a[factor >= 1.0]
        if inside.size:
            widest = max(widest, inside.max() - inside.min())
    assert 0.44 < widest < 0.45


def test_vanishing_gradient_figure_statistics():
    rng = np.random.default_rng(42)
    z = rng.normal(scale=2.0, size=1_000_000)
    means = {name: float(grad(z).mean()) for name, grad in
             [("sigmoid", ref.sigmoid_grad), ("tanh", ref.tanh_grad), ("relu", ref.relu_grad)]}
    assert means["sigmoid"] == pytest.approx(0.15, abs=0.005)
    assert means["tanh"] == pytest.approx(0.36, abs=0.01)
    assert means["relu"] == pytest.approx(0.5, abs=0.002)
    # The mean over independent paths of a product is the product of the means.
    paths = np.random.default_rng(1).normal(scale=2.0, size=(400_000, 4))
    for grad, name in [(ref.sigmoid_grad, "sigmoid"), (ref.tanh_grad, "tanh"),
                       (ref.relu_grad, "relu")]:
        product = np.prod(grad(paths), axis=1)
        assert product.mean() == pytest.approx(means[name] ** 4, rel=0.03)
    relu_product = np.prod(ref.relu_grad(paths), axis=1)
    assert set(np.unique(relu_product)) == {0.0, 1.0}  # every ReLU path is alive or dead
    assert np.mean(ref.relu_grad(z) ** 2) == pytest.approx(0.5, abs=0.002)


@pytest.mark.parametrize(("variance", "low", "high"), [(2.0, 0.5, 2.0), (1.0, 0.0, 0.01)])
def test_hes_factor_two_keeps_the_backward_gradient_of_a_relu_network(variance, low, high):
    # n Var(w) E[relu'^2] = 1 for Var(w) = 2 / n: the gradient keeps its size over 20 layers;
    # with Var(w) = 1 / n it shrinks by about 2^-20 in variance.
    rng = np.random.default_rng(0)
    width, depth = 256, 20
    A = rng.standard_normal((512, width))
    Ws, Zs = [], []
    for _ in range(depth):
        W = rng.standard_normal((width, width)) * np.sqrt(variance / width)
        Z = A @ W
        Ws.append(W)
        Zs.append(Z)
        A = ref.relu(Z)
    upstream = rng.standard_normal(A.shape)
    gradient = upstream
    for W, Z in zip(reversed(Ws), reversed(Zs), strict=True):
        gradient = (gradient * ref.relu_grad(Z)) @ W.T
    ratio = gradient.var() / upstream.var()
    assert low < ratio < high


def test_numpy2_promotion_rules_the_conventions_rely_on():
    z = np.ones(3, dtype=np.float32)
    assert (z * 1.0).dtype == np.float32 and (1.0 - z).dtype == np.float32
    assert (z * np.float64(1.0)).dtype == np.float64
    assert (z + np.ones(3)).dtype == np.float64


def test_bias_moves_the_boundary_by_b_over_norm_w():
    w, b = np.array([1.5, -1.0]), 0.5
    foot = -b * w / (w @ w)  # the point of w.x + b = 0 closest to the origin
    assert foot @ w + b == pytest.approx(0.0, abs=1e-15)
    assert np.linalg.norm(foot) == pytest.approx(abs(b) / np.linalg.norm(w))


def test_a_single_neuron_with_a_non_monotonic_activation_computes_xor():
    """Why the text says 'monotonic': f(z) = 1 - z^2, w = (1, 1), b = -1 gives XOR."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    z = X @ np.array([1.0, 1.0]) - 1.0
    assert np.array_equal(1.0 - z**2, [0.0, 1.0, 1.0, 0.0])
    # ... and no monotonic activation can: the inputs (0,1) and (1,0) must reach "1", and
    # z is linear, so z(0,0) + z(1,1) = z(0,1) + z(1,0); one of the two "0" points lies at or
    # beyond the larger "1" pre-activation, where a monotonic f is at least as large.
    rng = np.random.default_rng(0)
    for w, b in zip(rng.normal(size=(2000, 2)), rng.normal(size=2000), strict=True):
        zs = X @ w + b
        assert np.isclose(zs[0] + zs[3], zs[1] + zs[2])
        assert max(zs[0], zs[3]) >= min(zs[1], zs[2])  # no increasing f separates them
        assert min(zs[0], zs[3]) <= max(zs[1], zs[2])  # nor any decreasing one
