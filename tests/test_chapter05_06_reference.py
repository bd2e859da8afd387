"""Chapters 5 and 6: the reference backward pass and training loop."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from notebook_tools import load_reference

from autograder.course import Notebook

backprop = load_reference(Notebook("05_backprop", "backprop"))
sgd = load_reference(Notebook("06_sgd", "sgd"))
forward = load_reference(Notebook("02_forward", "forward"))


def numeric_grads(params, X, y, eps=1e-6):
    grads = []
    for W, b in params:
        pair = []
        for array in (W, b):
            grad = np.zeros_like(array)
            for index in np.ndindex(array.shape):
                saved = array[index]
                array[index] = saved + eps
                up, _ = backprop.loss_and_grads(params, X, y)
                array[index] = saved - eps
                down, _ = backprop.loss_and_grads(params, X, y)
                array[index] = saved
                grad[index] = (up - down) / (2 * eps)
            pair.append(grad)
        grads.append(tuple(pair))
    return grads


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=2, max_size=4), st.integers(1, 6),
       st.integers(0, 10_000))
def test_backprop_agrees_with_finite_differences_for_any_network(sizes, batch, seed):
    rng = np.random.default_rng(seed)
    params = [(rng.normal(size=(m, n)), rng.normal(size=n))
              for m, n in zip(sizes[:-1], sizes[1:])]
    X, y = rng.normal(size=(batch, sizes[0])), rng.integers(0, sizes[-1], batch)
    _, grads = backprop.loss_and_grads(params, X, y)
    for (dW, db), (nW, nb) in zip(grads, numeric_grads(params, X, y)):
        np.testing.assert_allclose(dW, nW, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(db, nb, rtol=1e-5, atol=1e-7)


def test_training_on_mnist_reaches_90_percent_and_the_loss_falls():
    from dlbook.data import load_mnist

    train, test = load_mnist()
    rng = np.random.default_rng(0)
    params = [(W.astype(np.float32), b.astype(np.float32))
              for W, b in forward.init_params([784, 128, 64, 10], rng)]
    params, history = sgd.train(params, train.X, train.y, epochs=5, lr=0.1, batch_size=64,
                                rng=rng)
    assert history["loss"][-1] < history["loss"][0]
    assert all(W.dtype == np.float32 for W, _ in params)
    assert sgd.accuracy(params, test.X, test.y) >= 0.90


def test_gradient_descent_converges_on_a_quadratic_with_a_small_enough_step():
    A = np.diag([1.0, 10.0])
    path = sgd.gradient_descent(lambda x: A @ x, np.array([1.0, 1.0]), lr=0.15, steps=200)
    assert path.shape == (201, 2) and np.linalg.norm(path[-1]) < 1e-6
    diverging = sgd.gradient_descent(lambda x: A @ x, np.array([1.0, 1.0]), lr=0.21, steps=50)
    assert np.linalg.norm(diverging[-1]) > 1.0  # lr above 2 / lambda_max = 0.2 overshoots
