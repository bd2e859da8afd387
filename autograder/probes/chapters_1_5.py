"""Probes for chapters 1-5 (the neuron to backpropagation): see `autograder.probes`."""

from __future__ import annotations

import numpy as np

from autograder.diagnosis import Probes
from autograder.probes.common import calls as _calls
from autograder.probes.common import mlp_params as _mlp_params
from autograder.probes.common import rng as _rng

# ---- chapter 1 -------------------------------------------------------------------------

WIDE = np.array([-1000.0, -40.0, -5.0, -1.0, -1e-7, 0.0, 1e-7, 0.5, 2.0, 40.0, 1000.0])


def _elementwise(ref) -> list:
    grid = _rng(1).normal(size=(2, 3)) * 3
    return _calls(WIDE.copy(), WIDE.astype(np.float32), grid, 0.3, np.array([0.0, -2.0, 3.0]),
                  np.array([1000.0, 3.0]), np.array([-1000.0, -3.0]),
                  np.array([1e-12, -3e-13, 1e-15]))


def _neuron(ref) -> list:
    rng = _rng(2)
    w = rng.normal(size=4)
    return [((rng.normal(size=4), w, 0.7, np.tanh), {}),
            ((rng.normal(size=(3, 4)), w, -0.4, np.tanh), {}),
            ((rng.normal(size=(3, 4)).astype(np.float32), w.astype(np.float32), 0.25, np.tanh),
             {})]


# ---- chapter 2 -------------------------------------------------------------------------

def _dense_forward(ref) -> list:
    rng = _rng(3)
    X, W, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=2)
    square = rng.normal(size=(4, 4))
    return [((X, W, b), {}), ((X, square, rng.normal(size=4)), {}),
            ((X.astype(np.float32), W.astype(np.float32), b.astype(np.float32)), {}),
            ((X[0], W, b), {}), ((X, W, b[None, :]), {}), ((X, W, b[:1]), {})]


def _add_bias_column(ref) -> list:
    X = _rng(4).normal(size=(3, 2))
    return _calls(X, X.astype(np.float32), np.zeros((1, 5)))


def _count_parameters(ref) -> list:
    return _calls([3, 4, 2], [5, 1], [784, 100, 10], [2, 0, 3], [7, 7, 7, 7])


def _init_params(ref) -> list:
    return [(([4, 3, 3, 2], _rng(5)), {}), (([6, 6, 6], _rng(6)), {"dtype": np.float32}),
            (([2, 5], _rng(7)), {})]


def _mlp_forward(ref) -> list:
    X = _rng(8).normal(size=(3, 4))
    return [((X, _mlp_params(9, [4, 5, 3, 2])), {}),
            ((X.astype(np.float32), _mlp_params(9, [4, 5, 3, 2], np.float32)), {}),
            ((X, _mlp_params(10, [4, 3])), {})]


def _no_arguments(ref) -> list:
    return [((), {})]


# ---- chapter 3 -------------------------------------------------------------------------

def _logits(ref) -> list:
    Z = _rng(11).normal(size=(3, 4)) * 2
    mixed = np.array([[0.0, 1.0, 2.0, 3.0], [1000.0, 1001.0, 999.0, 1000.5],
                      [-1000.0, 0.0, 0.0, -5.0]])
    square = _rng(12).normal(size=(3, 3))
    return _calls(Z, mixed, square, Z[0].copy(), Z.astype(np.float32))


def _one_hot(ref) -> list:
    return [((np.array([0, 2, 1, 2]), 4), {}), ((np.array([1, 0, 3]), 5), {}),
            ((np.array([0, -1, 1]), 3), {}), ((np.array([2, 0]), 3), {})]


def _cross_entropy(ref) -> list:
    P = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.25, 0.5, 0.25], [0.6, 0.4, 0.0]])
    Y = np.eye(3)[[0, 2, 1, 0]]
    soft = np.array([[0.5, 0.5, 0.0], [0.1, 0.1, 0.8], [0.2, 0.6, 0.2], [0.9, 0.1, 0.0]])
    zero = np.array([[0.0, 1.0, 0.0], [0.3, 0.3, 0.4]])
    return [((P, Y), {}), ((P, soft), {}), ((zero, np.eye(3)[[0, 2]]), {}),
            ((P.astype(np.float32), Y.astype(np.float32)), {}), ((P, Y), {"eps": 1e-3})]


def _softmax_cross_entropy(ref) -> list:
    Z = _rng(13).normal(size=(4, 3)) * 2
    big = np.array([[1000.0, 0.0, -1000.0], [0.0, 50.0, 0.0]])
    return [((Z, np.array([0, 2, 1, 1])), {}), ((big, np.array([2, 0])), {}),
            ((Z.astype(np.float32), np.array([1, 1, 0, 2])), {}),
            ((Z[:3], np.array([2, 2, 2])), {})]


# ---- chapter 4 -------------------------------------------------------------------------

def _cubic(x):
    return float(np.sum(x ** 3) + np.prod(x[:2]))


def _cubic_grad(x):
    grad = 3 * x ** 2
    grad[0] += x[1]
    grad[1] += x[0]
    return grad


def _refuses_large(x):
    if np.max(x) > 2.0005:
        raise RuntimeError("f refused this point")
    return float(np.sum(x ** 2))


def _matrix_f(x):
    return float(np.sum(np.sin(x) * np.arange(1, x.size + 1).reshape(x.shape)))


def _matrix_grad(x):
    return np.cos(x) * np.arange(1, x.size + 1).reshape(x.shape)


def _square(x):
    return float(np.sum(x ** 2))


def _square_grad(x):
    return 2 * x


def _numerical_gradient(ref) -> list:
    x = np.array([0.5, -1.0, 2.0])
    return [((_cubic, x), {}), ((_cubic, x), {"eps": 1e-3}),
            ((_cubic, x.astype(np.float32)), {"eps": 1e-2}),
            ((_matrix_f, _rng(14).normal(size=(2, 3))), {}),
            ((_refuses_large, np.array([1.0, 2.0])), {"eps": 1e-3}),
            ((_square, np.array([0.1, 0.7, 1 / 3, 2.9])), {})]


def _relative_error(ref) -> list:
    a = np.array([1.0, 2.0, 3.0])
    return [((a, a * 1.01), {}), ((a * 1.01, a), {}), ((a, np.zeros(3)), {}),
            ((np.zeros(3), np.zeros(3)), {}), ((a, a[:, None]), {}),
            ((a.astype(np.float32), (a * 1.5).astype(np.float32)), {}),
            ((np.array([[1e-3, -2e-3]]), np.array([[1e-3, 2e-3]])), {}),
            ((np.array([1e-14]), np.array([3e-14])), {})]


def _scaled(factor):
    def grad(x):
        return _matrix_grad(x) * factor
    return grad


def _transposed(x):
    return _matrix_grad(x).T


def _check_gradient(ref) -> list:
    x = _rng(15).normal(size=(2, 3))
    return [((_matrix_f, _matrix_grad, x), {}), ((_matrix_f, _scaled(1.1), x), {}),
            ((_matrix_f, _transposed, x), {}), ((_matrix_f, _scaled(100.0), x * 10), {}),
            ((_cubic, _cubic_grad, np.array([0.3, -0.2, 1.5])), {}),
            ((_square, _square_grad, np.array([1.0, 1e-9])), {})]


# ---- chapter 5 -------------------------------------------------------------------------

def _dense_backward(ref) -> list:
    rng = _rng(16)
    X, W, dZ = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=(3, 2))
    return [((dZ, X, W), {}), ((dZ[:1], X[:1], W), {}),
            ((dZ.astype(np.float32), X.astype(np.float32), W.astype(np.float32)), {})]


def _activation_backward(ref) -> list:
    rng = _rng(17)
    Z = np.array([[-1000.0, -2.0, 0.0, 1e-9, 3.0, 1000.0]])
    return [((rng.normal(size=Z.shape), Z), {}), ((rng.normal(size=(2, 3)),
                                                   rng.normal(size=(2, 3))), {}),
            ((np.ones(4, dtype=np.float32), np.array([-1, 0, 2, 5], dtype=np.float32)), {})]


def _mlp_backward(ref) -> list:
    calls = []
    for seed, sizes, dtype in ((18, [4, 5, 3, 2], np.float64), (19, [3, 2], np.float64),
                               (20, [4, 6, 3], np.float32)):
        params = _mlp_params(seed, sizes, dtype)
        X = _rng(seed + 100).normal(size=(3, sizes[0])).astype(dtype)
        X[0] = 0.0  # the first example's pre-activations are the biases: exactly 0, tiny
        params[0][1][:2] = (0.0, 1e-30)
        logits, cache = ref.ch2.mlp_forward(X, params)
        calls.append(((_rng(seed + 200).normal(size=logits.shape).astype(dtype), cache,
                       params), {}))
    return calls


def _loss_and_grads(ref) -> list:
    X = _rng(21).normal(size=(4, 3))
    return [((_mlp_params(22, [3, 5, 3]), X, np.array([0, 2, 1, 2])), {}),
            ((_mlp_params(23, [3, 2]), X, np.array([1, 0, 0, 1])), {}),
            ((_mlp_params(24, [3, 4, 4, 2], np.float32), X.astype(np.float32),
              np.array([1, 1, 0, 1])), {}),
            (([(W * 30, b) for W, b in _mlp_params(25, [3, 5, 3])], X * 30,
              np.array([0, 1, 2, 0])), {})]


PROBES: dict[str, dict[str, Probes]] = {
    "01_neuron": {
        "ex1_1_sigmoid": Probes("sigmoid", _elementwise, atol=0.0),
        "ex1_2_sigmoid_grad": Probes("sigmoid_grad", _elementwise, atol=0.0),
        "ex1_3_tanh": Probes("tanh", _elementwise, atol=0.0),
        "ex1_4_tanh_grad": Probes("tanh_grad", _elementwise, atol=0.0),
        "ex1_5_relu": Probes("relu", _elementwise, atol=0.0),
        "ex1_6_relu_grad": Probes("relu_grad", _elementwise, atol=0.0),
        "ex1_7_neuron": Probes("neuron", _neuron),
    },
    "02_forward": {
        "ex2_1_dense_forward": Probes("dense_forward", _dense_forward),
        "ex2_2_add_bias_column": Probes("add_bias_column", _add_bias_column),
        "ex2_3_count_parameters": Probes("count_parameters", _count_parameters),
        "ex2_4_init_params": Probes("init_params", _init_params),
        "ex2_5_mlp_forward": Probes("mlp_forward", _mlp_forward),
        "ex2_6_xor_params": Probes("xor_params", _no_arguments),
    },
    "03_softmax": {
        "ex3_1_softmax": Probes("softmax", _logits),
        "ex3_2_log_softmax": Probes("log_softmax", _logits),
        "ex3_3_one_hot": Probes("one_hot", _one_hot),
        "ex3_4_cross_entropy": Probes("cross_entropy", _cross_entropy),
        "ex3_5_softmax_cross_entropy": Probes("softmax_cross_entropy", _softmax_cross_entropy),
        "ex3_6_softmax_cross_entropy_grad": Probes("softmax_cross_entropy_grad",
                                                   _softmax_cross_entropy),
    },
    "04_gradcheck": {
        "ex4_1_numerical_gradient": Probes("numerical_gradient", _numerical_gradient),
        "ex4_2_relative_error": Probes("relative_error", _relative_error),
        "ex4_3_check_gradient": Probes("check_gradient", _check_gradient),
    },
    "05_backprop": {
        "ex5_1_dense_backward": Probes("dense_backward", _dense_backward),
        "ex5_2_relu_backward": Probes("relu_backward", _activation_backward),
        "ex5_3_sigmoid_backward": Probes("sigmoid_backward", _activation_backward),
        "ex5_4_mlp_backward": Probes("mlp_backward", _mlp_backward),
        "ex5_5_loss_and_grads": Probes("loss_and_grads", _loss_and_grads),
    },
}
