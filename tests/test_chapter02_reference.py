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
