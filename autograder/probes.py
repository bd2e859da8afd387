"""Probe inputs per exercise, chosen to tell the catalogued mistakes apart (autograder.diagnosis).

`PROBES[assignment][grade_id]` is a `Probes(function, build)`; `build(ref)` returns the
calls `(args, kwargs)` made on the learner's function, deterministic (seeded generators),
built from the chapter's reference namespace `ref` where a probe needs a cache made by the
reference's forward pass. None of them is a hidden test's input. Chapter 8 (TensorFlow) has
none: its learner functions take or return Keras objects and TensorFlow functions, which
cannot cross the sandbox's wire (only plain arrays and numbers do).
"""

from __future__ import annotations

import numpy as np

from autograder.diagnosis import Probes


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _calls(*args_list) -> list:
    """Single-argument calls: [((a,), {}), ...]."""
    return [((args,), {}) for args in args_list]


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


def _mlp_params(seed: int, sizes: list[int], dtype=np.float64) -> list:
    rng = _rng(seed)
    return [(rng.normal(size=(n_in, n_out)).astype(dtype), rng.normal(size=n_out).astype(dtype))
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]


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


# ---- chapter 6 -------------------------------------------------------------------------

def _quadratic_grad(x):
    return np.array([2.0, 10.0]) * x


def _gradient_descent(ref) -> list:
    return [((_quadratic_grad, np.array([1.0, -1.0]), 0.05, 4), {}),
            ((_quadratic_grad, np.array([2.0, 0.5]), 0.1, 1), {}),
            ((_quadratic_grad, np.array([1.0, 1.0]), 0.01, 0), {}),
            ((_quadratic_grad, np.array([1.0, 1.0], dtype=np.float32), 0.1, 2), {}),
            ((_quadratic_grad, np.array([3, -2]), 0.1, 2), {})]


def _iterate_minibatches(ref) -> list:
    X = np.arange(14.0).reshape(7, 2)
    y = np.arange(7)
    return [((X, y, 3, _rng(25)), {}), ((X, y, 7, _rng(26)), {}), ((X, y, 10, _rng(27)), {}),
            ((X[:6], y[:6], 2, _rng(28)), {}), ((X, y, 0, _rng(29)), {}),
            ((np.arange(24.0).reshape(6, 2, 2), y[:6], 4, _rng(30)), {})]


def _grads_like(params, seed):
    rng = _rng(seed)
    return [(rng.normal(size=W.shape).astype(W.dtype), rng.normal(size=b.shape).astype(b.dtype))
            for W, b in params]


def _sgd_step(ref) -> list:
    params = _mlp_params(29, [3, 4, 2])
    p32 = _mlp_params(30, [2, 2], np.float32)
    return [((params, _grads_like(params, 31), 0.1), {}),
            ((p32, _grads_like(p32, 32), 0.5), {})]


def _accuracy(ref) -> list:
    X = _rng(33).normal(size=(6, 3))
    params = _mlp_params(34, [3, 4, 3])
    logits = ref.ch2.mlp_forward(X, params)[0]
    y = np.argmax(logits, axis=1)
    y[:2] = (y[:2] + 1) % 3
    negative = params[:-1] + [(params[-1][0] * 0.01, params[-1][1] - 100.0)]
    low = ref.ch2.mlp_forward(X, negative)[0]
    return [((params, X, y), {}), ((params, X[:1], y[:1]), {}),
            ((params, X, np.argmax(logits, axis=1)), {}),
            ((negative, X, np.argmax(low, axis=1)), {})]


def _train(ref) -> list:
    X = _rng(35).normal(size=(10, 3))
    y = (X[:, 0] > 0).astype(int)
    X_val = _rng(36).normal(size=(5, 3))
    y_val = (X_val[:, 1] > 0).astype(int)

    def momentum(params, grads, state):
        return ref.momentum_step(params, grads, state, 0.2)

    def halved(params, X, y):
        loss, grads = ref.ch5.loss_and_grads(params, X, y)
        return 2 * loss, [(0.5 * dW, 0.5 * db) for dW, db in grads]

    return [((_mlp_params(37, [3, 4, 2]), X, y),
             {"epochs": 2, "lr": 0.1, "batch_size": 4, "rng": _rng(38)}),
            ((_mlp_params(39, [3, 2]), X, y),
             {"epochs": 2, "lr": 0.5, "batch_size": 3, "rng": _rng(40), "X_val": X_val,
              "y_val": y_val}),
            ((_mlp_params(41, [3, 2], np.float32), X, y),
             {"epochs": 1, "lr": 0.1, "batch_size": 5, "rng": _rng(42)}),
            ((_mlp_params(43, [3, 2]), X, y),
             {"epochs": 2, "lr": 0.1, "batch_size": 5, "rng": _rng(44), "optimizer": momentum}),
            ((_mlp_params(45, [3, 2]), X, y),
             {"epochs": 1, "lr": 0.1, "batch_size": 5, "rng": _rng(46),
              "loss_and_grads": halved})]


def _optimizer_twice(name: str, **kwargs):
    """Two steps: the second call gets the state the reference's first call returned."""

    def build(ref) -> list:
        step = getattr(ref, name)
        params = _mlp_params(45, [3, 2])
        grads = _grads_like(params, 46)
        new, state = step(params, grads, None, 0.1, **kwargs)
        calls = [((params, grads, None, 0.1), kwargs),
                 ((new, _grads_like(params, 47), state, 0.1), kwargs)]
        p32 = _mlp_params(48, [2, 2], np.float32)
        calls.append(((p32, _grads_like(p32, 49), None, 0.1), kwargs))
        tiny = [(dW * 1e-6, db * 1e-6) for dW, db in grads]
        calls.append(((params, tiny, None, 0.1), kwargs))
        return calls

    return build


def _lr_schedule(ref) -> list:
    settings = {"base_lr": 0.1, "warmup_steps": 4, "total_steps": 20}
    return [((step,), settings) for step in (0, 1, 3, 4, 5, 12, 19)] + [
        ((0,), {"base_lr": 0.1, "warmup_steps": 0, "total_steps": 10}),
        ((25,), settings)]


# ---- chapter 7 -------------------------------------------------------------------------

def _symmetric(seed: int, n: int) -> np.ndarray:
    A = _rng(seed).normal(size=(n, n))
    W = (A + A.T) / 2
    np.fill_diagonal(W, 0.0)
    return W


def _states(seed: int, shape) -> np.ndarray:
    return (_rng(seed).random(shape) < 0.5).astype(np.float64)


def _energy(ref) -> list:
    W, b = _symmetric(50, 4), _rng(51).normal(size=4)
    return [((_states(52, 4), W, b), {}), ((_states(53, (3, 4)), W, b), {}),
            ((np.ones(4), W, b), {}),
            ((_states(54, (2, 4)).astype(np.float32), W.astype(np.float32),
              b.astype(np.float32)), {})]


def _boltzmann_distribution(ref) -> list:
    return [((_symmetric(55, 3), _rng(56).normal(size=3)), {}),
            ((_symmetric(57, 2) * 3, np.array([0.5, -1.0])), {}),
            ((np.array([[0, 2], [2, 0]]), np.array([1, -1])), {}),
            ((np.abs(_symmetric(58, 3)) * 2000, np.zeros(3)), {}),
            ((np.zeros((17, 17)), np.zeros(17)), {})]


def _gibbs_conditional(ref) -> list:
    W, b = _symmetric(58, 4), _rng(59).normal(size=4)
    s = _states(60, 4)
    return [((s, 1, W, b), {}), ((_states(61, (3, 4)), 2, W, b), {}),
            ((np.ones(4), 0, W, b), {}), ((s, 3, W * 50, b), {}),
            ((s, 2, W, b - 1000.0), {})]


def _rbm(seed: int, n_v: int = 4, n_h: int = 3):
    rng = _rng(seed)
    return rng.normal(size=(n_v, n_h)), rng.normal(size=n_v), rng.normal(size=n_h)


def _rbm_hidden_probs(ref) -> list:
    W, b, c = _rbm(62)
    return [((_states(63, (3, 4)), W, c), {}), ((np.full((1, 4), 0.5), W * 100, c), {}),
            ((_states(63, (3, 4)), W, c - 1000.0), {}),
            ((_states(64, (2, 4)).astype(np.float32), W.astype(np.float32),
              c.astype(np.float32)), {})]


def _rbm_visible_probs(ref) -> list:
    W, b, c = _rbm(65)
    return [((_states(66, (3, 3)), W, b), {}), ((np.full((1, 3), 0.5), W * 100, b), {}),
            ((_states(66, (3, 3)), W, b - 1000.0), {}),
            ((_states(67, (2, 3)).astype(np.float32), W.astype(np.float32),
              b.astype(np.float32)), {})]


def _free_energy(ref) -> list:
    W, b, c = _rbm(68)
    return [((_states(69, (3, 4)), W, b, c), {}), ((_states(70, (2, 4)), W * 300, b, c), {}),
            ((_states(69, (3, 4)), W, b, c + 1000.0), {}),
            ((_states(71, (2, 4)).astype(np.float32), W.astype(np.float32),
              b.astype(np.float32), c.astype(np.float32)), {})]


def _cd_k(ref) -> list:
    W, b, c = _rbm(72)
    V = _states(73, (5, 4))
    return [((V, W, b, c, 1, _rng(74)), {}), ((V, W, b, c, 3, _rng(75)), {}),
            ((V[:2], W * 0.1, b, c, 2, _rng(76)), {}),
            ((V.astype(np.float32), W.astype(np.float32), b.astype(np.float32),
              c.astype(np.float32), 1, _rng(77)), {})]


def _train_rbm(ref) -> list:
    V = _states(78, (8, 4))
    constant = V.copy()
    constant[:, 0], constant[:, 1] = 1.0, 0.0
    return [((V, 3), {"epochs": 2, "lr": 0.1, "batch_size": 3, "k": 1, "rng": _rng(79)}),
            ((V.astype(bool), 2), {"epochs": 1, "lr": 0.05, "batch_size": 8, "k": 2,
                                   "rng": _rng(80)}),
            ((constant, 2), {"epochs": 1, "lr": 0.1, "batch_size": 4, "k": 1, "rng": _rng(81)}),
            ((V.astype(int), 2), {"epochs": 1, "lr": 0.1, "batch_size": 4, "k": 1,
                                  "rng": _rng(82)}),
            ((V, 2), {"epochs": 1, "lr": 0.1, "batch_size": -1, "k": 1, "rng": _rng(83)})]


def _bm_gradient_exact(ref) -> list:
    W, b = _symmetric(81, 3), _rng(82).normal(size=3)
    S = _states(83, (5, 3))
    return [((S, W, b), {}), ((S.astype(bool), W * 0.5, b), {}), ((S[:1], W, b), {}),
            ((S.astype(int), W.astype(np.float32), b.astype(np.float32)), {})]


def _bm_gradient_gibbs(ref) -> list:
    W, b = _symmetric(84, 5), _rng(85).normal(size=5)
    S = _states(86, (20, 5))
    return [((S, W, b), {"sweeps": 2, "rng": _rng(87)}),
            ((S, W, b), {"sweeps": 1, "rng": _rng(88)}),
            ((S.astype(int), W * 0.3, b), {"sweeps": 3, "rng": _rng(89)}),
            ((S, W, b), {"sweeps": -1, "rng": _rng(90)})]


def _pcd_k(ref) -> list:
    W, b, c = _rbm(90)
    V = _states(91, (4, 4))
    chains = _states(92, (3, 4))
    return [((V, W, b, c, chains, 1, _rng(93)), {}), ((V, W, b, c, chains, 2, _rng(94)), {}),
            ((V[:2], W * 0.2, b, c, _states(95, (2, 4)), 1, _rng(96)), {}),
            ((V, W, b, c, chains.astype(bool), 1, _rng(97)), {})]


# ---- chapter 9 -------------------------------------------------------------------------

def _images(seed: int, shape, dtype=np.float64) -> np.ndarray:
    return _rng(seed).normal(size=shape).astype(dtype)


def _im2col(ref) -> list:
    X = _images(100, (2, 5, 4, 2))
    return [((X, 2, 3), {}), ((X, 3, 2), {"stride": 2}), ((X, 2, 2), {"padding": 1}),
            ((X.astype(np.float32), 3, 3), {"stride": 1, "padding": 1}),
            ((X[:1, :, :, :1], 5, 4), {}), ((X, 6, 2), {})]


def _conv2d_forward(ref) -> list:
    X = _images(101, (2, 5, 4, 2))
    K, b = _images(102, (3, 2, 2, 3)), _images(103, (3,))
    return [((X, K, b), {}), ((X, K, b), {"stride": 2}), ((X, K, b), {"padding": 1}),
            ((X.astype(np.float32), K.astype(np.float32), b.astype(np.float32)), {})]


def _conv2d_backward(ref) -> list:
    calls = []
    X = _images(104, (2, 5, 4, 2))
    K, b = _images(105, (3, 2, 2, 3)), _images(106, (3,))
    for seed, kwargs, dtype in ((107, {}, np.float64), (108, {"stride": 2}, np.float64),
                                (109, {"padding": 1}, np.float64), (110, {}, np.float32)):
        Y, cache = ref.conv2d_forward(X.astype(dtype), K.astype(dtype), b.astype(dtype),
                                      **kwargs)
        calls.append(((_images(seed, Y.shape, dtype), cache), {}))
    return calls


def _pooled(seed: int) -> np.ndarray:
    X = _images(seed, (2, 4, 6, 2))
    X[0, 0, 1, 0] = X[0, 1, 0, 0] = X[0, 1, 1, 0] = 5.0  # a three-way tie in one window
    return X


def _maxpool2d_forward(ref) -> list:
    X = _pooled(111)
    return [((X,), {}), ((X[:, :, :4],), {"size": 4}), ((X[:, :3, :5],), {}),
            ((X.astype(np.float32),), {}), ((-np.abs(X),), {})]


def _maxpool2d_backward(ref) -> list:
    calls = []
    for seed, X, kwargs in ((112, _pooled(113), {}), (114, _pooled(115)[:, :, :4], {"size": 4}),
                            (116, _pooled(117).astype(np.float32), {}),
                            (118, _images(119, (2, 5, 7, 2)), {})):
        Y, cache = ref.maxpool2d_forward(X, **kwargs)
        calls.append(((_images(seed, Y.shape, X.dtype), cache), {}))
    return calls


def _cnn_forward(ref) -> list:
    params = ref.cnn_init(_rng(118))
    X = _images(119, (2, 28, 28, 1))
    return [((X, params), {}), ((X.astype(np.float32),
                                 [(K.astype(np.float32), b.astype(np.float32))
                                  for K, b in params]), {})]


def _cnn_loss_and_grads(ref) -> list:
    params = ref.cnn_init(_rng(120))
    params = [(K, b + _rng(121 + i).normal(size=b.shape) * 0.1)
              for i, (K, b) in enumerate(params)]
    X = _images(124, (3, 28, 28, 1))
    return [((params, X, np.array([3, 1, 7])), {}), ((params, X[:1], np.array([0])), {})]


# ---- chapter 10 ------------------------------------------------------------------------

def _rnn_arguments(seed: int, dtype=np.float64, gates: int = 1, B=2, T=3, D=2, H=3):
    rng = _rng(seed)
    arrays = (rng.normal(size=(B, T, D)), rng.normal(size=(B, H)),
              rng.normal(size=(D, gates * H)), rng.normal(size=(H, gates * H)) * 0.7,
              rng.normal(size=gates * H))
    return tuple(array.astype(dtype) for array in arrays)


def _rnn_forward(ref) -> list:
    X, h0, Wx, Wh, b = _rnn_arguments(130)
    return [((X, h0, Wx, Wh, b), {}), (_rnn_arguments(131, np.float32), {}),
            ((X, h0[:1], Wx, Wh, b), {}), ((X[:, :1], h0, Wx, Wh, b), {})]


def _rnn_backward(ref) -> list:
    calls = []
    for seed, dtype in ((132, np.float64), (133, np.float32), (134, np.float64)):
        Hs, cache = ref.rnn_forward(*_rnn_arguments(seed, dtype, T=4 if seed == 134 else 3))
        calls.append(((_images(seed + 10, Hs.shape, dtype), cache), {}))
    return calls


def _clip_by_global_norm(ref) -> list:
    rng = _rng(135)
    pairs = [(rng.normal(size=(3, 2)) * 3, rng.normal(size=2)), (rng.normal(size=(2, 2)),
                                                                  rng.normal(size=2) * 4)]
    small = [(W * 1e-3, b * 1e-3) for W, b in pairs]
    return [((pairs, 1.0), {}), ((small, 1.0), {}), (([W for W, _ in pairs], 2.5), {}),
            (([(W.astype(np.float32), b.astype(np.float32)) for W, b in pairs], 0.5), {}),
            ((pairs, 0.0), {}), ((pairs, 1e6), {})]


def _lstm_forward(ref) -> list:
    X, h0, Wx, Wh, b = _rnn_arguments(136, gates=4)
    c0 = _rng(137).normal(size=h0.shape)
    saturated = b.copy()
    saturated[:3] = -1000.0  # the input gate's columns: sigmoid of a large negative number
    calls = [((X, h0, c0, Wx, Wh, b), {}), ((X, h0, c0, Wx, Wh, saturated), {})]
    X32, h32, Wx32, Wh32, b32 = _rnn_arguments(138, np.float32, gates=4)
    calls.append(((X32, h32, np.ones_like(h32), Wx32, Wh32, b32), {}))
    return calls


def _lstm_backward(ref) -> list:
    calls = []
    for seed, dtype in ((139, np.float64), (140, np.float32)):
        X, h0, Wx, Wh, b = _rnn_arguments(seed, dtype, gates=4)
        c0 = _rng(seed + 20).normal(size=h0.shape).astype(dtype)
        Hs, cache = ref.lstm_forward(X, h0, c0, Wx, Wh, b)
        calls.append(((_images(seed + 10, Hs.shape, dtype), cache), {}))
    return calls


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
    "06_sgd": {
        "ex6_1_gradient_descent": Probes("gradient_descent", _gradient_descent),
        "ex6_2_iterate_minibatches": Probes("iterate_minibatches", _iterate_minibatches),
        "ex6_3_sgd_step": Probes("sgd_step", _sgd_step),
        "ex6_4_accuracy": Probes("accuracy", _accuracy),
        "ex6_5_train": Probes("train", _train),
        "ex6_6_momentum_step": Probes("momentum_step", _optimizer_twice("momentum_step")),
        "ex6_7_nesterov_step": Probes("nesterov_step", _optimizer_twice("nesterov_step")),
        "ex6_8_adam_step": Probes("adam_step", _optimizer_twice("adam_step")),
        "ex6_9_lr_schedule": Probes("lr_schedule", _lr_schedule),
    },
    "07_boltzmann": {
        "ex7_1_energy": Probes("energy", _energy),
        "ex7_2_boltzmann_distribution": Probes("boltzmann_distribution",
                                               _boltzmann_distribution),
        "ex7_3_gibbs_conditional": Probes("gibbs_conditional", _gibbs_conditional),
        "ex7_4_rbm_hidden_probs": Probes("rbm_hidden_probs", _rbm_hidden_probs),
        "ex7_5_rbm_visible_probs": Probes("rbm_visible_probs", _rbm_visible_probs),
        "ex7_6_free_energy": Probes("free_energy", _free_energy),
        "ex7_7_cd_k": Probes("cd_k", _cd_k),
        "ex7_8_train_rbm": Probes("train_rbm", _train_rbm),
        "ex7_9_bm_gradient_exact": Probes("bm_gradient_exact", _bm_gradient_exact),
        "ex7_10_bm_gradient_gibbs": Probes("bm_gradient_gibbs", _bm_gradient_gibbs),
        "ex7_11_pcd_k": Probes("pcd_k", _pcd_k),
    },
    "09_convolution": {
        "ex9_1_im2col": Probes("im2col", _im2col),
        "ex9_2_conv2d_forward": Probes("conv2d_forward", _conv2d_forward),
        "ex9_3_conv2d_backward": Probes("conv2d_backward", _conv2d_backward),
        "ex9_4_maxpool2d_forward": Probes("maxpool2d_forward", _maxpool2d_forward),
        "ex9_5_maxpool2d_backward": Probes("maxpool2d_backward", _maxpool2d_backward),
        "ex9_6_cnn_forward": Probes("cnn_forward", _cnn_forward),
        "ex9_7_cnn_loss_and_grads": Probes("cnn_loss_and_grads", _cnn_loss_and_grads),
    },
    "10_recurrent": {
        "ex10_1_rnn_forward": Probes("rnn_forward", _rnn_forward),
        "ex10_2_rnn_backward": Probes("rnn_backward", _rnn_backward),
        "ex10_3_clip_by_global_norm": Probes("clip_by_global_norm", _clip_by_global_norm),
        "ex10_4_lstm_forward": Probes("lstm_forward", _lstm_forward),
        "ex10_5_lstm_backward": Probes("lstm_backward", _lstm_backward),
    },
}
