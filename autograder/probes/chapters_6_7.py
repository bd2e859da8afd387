"""Probes for chapters 6 and 7 (training, Boltzmann machines): see `autograder.probes`."""

from __future__ import annotations

import numpy as np

from autograder.diagnosis import Probes
from autograder.probes.common import mlp_params as _mlp_params
from autograder.probes.common import rng as _rng

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


def _conditional_calls(seed: int, width: int, W: np.ndarray, bias: np.ndarray) -> list:
    """Calls (states, W, bias) of one layer's conditional: states of `width` units, then
    saturating weights, a very negative bias, and float32."""
    return [((_states(seed, (3, width)), W, bias), {}),
            ((np.full((1, width), 0.5), W * 100, bias), {}),
            ((_states(seed, (3, width)), W, bias - 1000.0), {}),
            ((_states(seed + 1, (2, width)).astype(np.float32), W.astype(np.float32),
              bias.astype(np.float32)), {})]


def _rbm_hidden_probs(ref) -> list:
    W, _, c = _rbm(62)
    return _conditional_calls(63, 4, W, c)


def _rbm_visible_probs(ref) -> list:
    W, b, _ = _rbm(65)
    return _conditional_calls(66, 3, W, b)


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


PROBES: dict[str, dict[str, Probes]] = {
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
}
