"""Chapter 7's reference RBM against scikit-learn's BernoulliRBM, and properties of the
reference Boltzmann machine for random small machines."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from notebook_tools import load_reference
from scipy.special import expit, logsumexp
from sklearn.neural_network import BernoulliRBM

from autograder.course import Notebook
from dlbook.data import load_mnist

ref = load_reference(Notebook("07_boltzmann", "boltzmann"))

N_DIGITS, N_HIDDEN, EPOCHS, LR = 1000, 64, 5, 0.1
# Measured with the seeds below (pseudo-likelihood in nats per digit, summed over 784 bits):
# untrained (all parameters 0) -543.4, independent pixels (log-odds biases) -204.8;
# from the same start, ours -160.1 and scikit-learn -166.2 (over seeds 0-5 the gap was
# 5 to 12); scikit-learn's own fit() (zero visible biases, unshuffled batches) -233.5.
SAME_START_MARGIN = 20.0
OWN_FIT_MARGIN = 10.0


def pseudo_likelihood(V, W, b, c):
    """Mean over rows of sum over bits i of log p(v_i | v_-i) = log sigmoid(F(v~i) - F(v)).

    scikit-learn's `score_samples` estimates the same quantity from one random bit per row.
    """
    A = V @ W + c
    softplus = np.logaddexp(0, A).sum(axis=1)
    total = np.zeros(len(V))
    for i in range(V.shape[1]):
        d = 1 - 2 * V[:, i]                       # +1 where bit i flips on, -1 where off
        gap = -b[i] * d + softplus - np.logaddexp(0, A + d[:, None] * W[i]).sum(axis=1)
        total += -np.logaddexp(0, -gap)           # F(v~i) - F(v) = gap
    return float(total.mean())


def sklearn_rbm(W, b, c):
    rbm = BernoulliRBM(n_components=W.shape[1])
    rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_ = W.T.copy(), b, c
    return rbm


@pytest.fixture(scope="module")
def digits():
    train, _ = load_mnist()
    return (train.X[:N_DIGITS] > 0.5).astype(np.float64)


def test_free_energy_is_sklearns_free_energy():
    # sklearn's _free_energy(v) returns F(v) itself (not -F): -v.b - sum softplus(v W^T + c).
    rng = np.random.default_rng(70)
    for n_v, n_h, scale in [(784, 64, 0.1), (20, 7, 3.0), (5, 3, 100.0)]:
        V = (rng.random((50, n_v)) < 0.3).astype(np.float64)
        W = scale * rng.normal(size=(n_v, n_h))
        b, c = scale * rng.normal(size=n_v), scale * rng.normal(size=n_h)
        expected = sklearn_rbm(W, b, c)._free_energy(V)
        np.testing.assert_allclose(ref.free_energy(V, W, b, c), expected, rtol=1e-12, atol=1e-9)


def test_pseudo_likelihood_matches_sklearn_from_the_same_start(digits):
    # Same data, initial parameters, shuffled batches, epochs and learning rate; the
    # algorithms differ only in the negative phase (our CD-1, sklearn's persistent chain).
    seed, batch_size = 0, 50
    W, b, c, _ = ref.train_rbm(digits, N_HIDDEN, epochs=EPOCHS, lr=LR, batch_size=batch_size,
                               k=1, rng=np.random.default_rng(seed))
    replay = np.random.default_rng(seed)          # replays train_rbm's draws: W0, permutations
    W0 = replay.normal(0.0, 0.01, size=(digits.shape[1], N_HIDDEN))
    p = np.clip(digits.mean(axis=0), 0.001, 0.999)
    b0 = np.log(p / (1 - p))
    rbm = BernoulliRBM(n_components=N_HIDDEN, learning_rate=LR, batch_size=batch_size,
                       random_state=seed)
    rbm.components_, rbm.intercept_visible_ = W0.T.copy(), b0.copy()
    rbm.intercept_hidden_ = np.zeros(N_HIDDEN)
    for _ in range(EPOCHS):
        perm = replay.permutation(len(digits))
        for start in range(0, len(digits), batch_size):
            rbm.partial_fit(digits[perm[start:start + batch_size]])
    ours = pseudo_likelihood(digits, W, b, c)
    theirs = pseudo_likelihood(digits, rbm.components_.T, rbm.intercept_visible_,
                               rbm.intercept_hidden_)
    start = pseudo_likelihood(digits, W0, b0, np.zeros(N_HIDDEN))
    assert abs(ours - theirs) <= SAME_START_MARGIN, (ours, theirs)
    assert ours > start + 20 and theirs > start + 20, (start, ours, theirs)


def test_pseudo_likelihood_is_at_least_sklearns_own_fit(digits):
    W, b, c, _ = ref.train_rbm(digits, N_HIDDEN, epochs=EPOCHS, lr=LR, batch_size=64, k=1,
                               rng=np.random.default_rng(0))
    rbm = BernoulliRBM(n_components=N_HIDDEN, learning_rate=LR, batch_size=64, n_iter=EPOCHS,
                       random_state=0).fit(digits)
    ours = pseudo_likelihood(digits, W, b, c)
    theirs = pseudo_likelihood(digits, rbm.components_.T, rbm.intercept_visible_,
                               rbm.intercept_hidden_)
    untrained = pseudo_likelihood(digits, np.zeros_like(W), np.zeros_like(b), np.zeros_like(c))
    assert ours >= theirs - OWN_FIT_MARGIN, (ours, theirs)
    assert min(ours, theirs) > untrained + 200, (untrained, ours, theirs)


machines = st.tuples(st.integers(1, 8), st.floats(0.0, 50.0), st.integers(0, 2**32 - 1))


@settings(max_examples=60, deadline=None)
@given(machines)
def test_boltzmann_probabilities_are_positive_and_sum_to_one(machine):
    n, scale, seed = machine
    rng = np.random.default_rng(seed)
    A = rng.normal(scale=scale, size=(n, n))
    W, b = np.triu(A, 1) + np.triu(A, 1).T, rng.normal(scale=scale, size=n)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        states, probs = ref.boltzmann_distribution(W, b)
    assert states.shape == (2**n, n) and probs.shape == (2**n,)
    assert np.all(np.isfinite(probs)) and np.all(probs >= 0)
    np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-12)
    minus_E = np.array([0.5 * s @ W @ s + b @ s for s in states])
    np.testing.assert_allclose(probs, np.exp(minus_E - logsumexp(minus_E)), rtol=1e-9,
                               atol=1e-300)


rbms = st.tuples(st.integers(1, 6), st.integers(1, 6), st.floats(0.0, 200.0),
                 st.integers(0, 2**32 - 1))


@settings(max_examples=60, deadline=None)
@given(rbms)
def test_free_energy_matches_brute_force_over_hidden_states(rbm):
    n_v, n_h, scale, seed = rbm
    rng = np.random.default_rng(seed)
    V = (rng.random((5, n_v)) < 0.5).astype(np.float64)
    W = scale * rng.normal(size=(n_v, n_h))
    b, c = scale * rng.normal(size=n_v), scale * rng.normal(size=n_h)
    H = np.array(list(itertools.product([0.0, 1.0], repeat=n_h)))
    minus_E = V @ W @ H.T + (V @ b)[:, None] + (H @ c)[None, :]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F = ref.free_energy(V, W, b, c)
    np.testing.assert_allclose(F, -logsumexp(minus_E, axis=1), rtol=1e-10, atol=1e-9)


def independent_cd(V, W, b, c, k, rng):
    """CD-k written from the definition, drawing uniforms in the documented order."""
    P0 = expit(V @ W + c)
    Vk, Pk = V, P0
    for _ in range(k):
        H = (rng.random(Pk.shape) < Pk).astype(V.dtype)
        Pv = expit(H @ W.T + b)
        Vk = (rng.random(Pv.shape) < Pv).astype(V.dtype)
        Pk = expit(Vk @ W + c)
    return (V.T @ P0 - Vk.T @ Pk) / len(V), (V - Vk).mean(axis=0), (P0 - Pk).mean(axis=0)


def exact_cd_expectation(D, W, b, c, k):
    """E[CD-k update] for the rows of D: the visible-to-visible chain enumerated, to the k."""
    Vs = np.array(list(itertools.product([0.0, 1.0], repeat=W.shape[0])))
    Hs = np.array(list(itertools.product([0.0, 1.0], repeat=W.shape[1])))

    def state_probs(P, S):
        return np.prod(np.where(S[None] == 1, P[:, None], 1 - P[:, None]), axis=2)

    T = state_probs(expit(Vs @ W + c), Hs) @ state_probs(expit(Hs @ W.T + b), Vs)
    rows = [int("".join(str(int(x)) for x in d), 2) for d in D]
    Q = np.linalg.matrix_power(T, k)[rows]
    Pm, P0 = expit(Vs @ W + c), expit(D @ W + c)
    return (D.T @ P0 / len(D) - np.einsum("nv,vi,vj->ij", Q, Vs, Pm) / len(D),
            D.mean(axis=0) - (Q @ Vs).mean(axis=0), P0.mean(axis=0) - (Q @ Pm).mean(axis=0))


@pytest.mark.parametrize("k", [1, 2, 5])
def test_cd_k_replays_an_independent_implementation(k):
    rng = np.random.default_rng(k)
    V = (rng.random((30, 7)) < 0.4).astype(np.float64)
    W, b, c = rng.normal(size=(7, 4)), rng.normal(size=7), rng.normal(size=4)
    ours = ref.cd_k(V, W, b, c, k, np.random.default_rng(100 + k))
    theirs = independent_cd(V, W, b, c, k, np.random.default_rng(100 + k))
    for a, e in zip(ours, theirs):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_mean_cd_update_is_its_exact_expectation(k):
    # Over 50 seeded calls on 4 rows repeated 2,000 times (400,000 chains), the mean update
    # has a standard error below 0.001.
    D = np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    rng = np.random.default_rng(70 + k)
    W, b, c = 2.5 * rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=2)
    batch = np.repeat(D, 2000, axis=0)
    calls = [ref.cd_k(batch, W, b, c, k, np.random.default_rng(seed)) for seed in range(50)]
    for mean, exact in zip([np.mean(g, axis=0) for g in zip(*calls)],
                           exact_cd_expectation(D, W, b, c, k)):
        np.testing.assert_allclose(mean, exact, atol=0.005)


def test_train_rbm_replays_an_independent_training_loop():
    data = (np.random.default_rng(0).random((130, 9)) < 0.3).astype(np.float64)
    data[:, 0] = 0.0                                    # a pixel never on: clipped log-odds
    seed, n_hidden, epochs, lr, batch_size, k = 7, 5, 4, 0.3, 20, 2
    gen = np.random.default_rng(seed)
    W = gen.normal(0.0, 0.01, size=(9, n_hidden))
    p = np.clip(data.mean(axis=0), 0.001, 0.999)
    b, c, errors = np.log(p) - np.log1p(-p), np.zeros(n_hidden), []
    for _ in range(epochs):
        order = gen.permutation(len(data))
        for first in range(0, len(data), batch_size):      # 6 batches of 20 and one of 10
            grads = independent_cd(data[order[first:first + batch_size]], W, b, c, k, gen)
            W, b, c = W + lr * grads[0], b + lr * grads[1], c + lr * grads[2]
        errors.append(float(np.mean((data - expit(expit(data @ W + c) @ W.T + b)) ** 2)))
    got = ref.train_rbm(data, n_hidden, epochs=epochs, lr=lr, batch_size=batch_size, k=k,
                        rng=np.random.default_rng(seed))
    for a, e in zip(got[:3], (W, b, c)):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(got[3]["reconstruction_error"], errors, rtol=1e-10)


def independent_bm_gradient(S, W, b):
    """<s_i s_j>_data - <s_i s_j>_model and <s_i>_data - <s_i>_model, state by state."""
    n = len(b)
    states = [np.array(s) for s in itertools.product([0.0, 1.0], repeat=n)]
    weights = np.array([np.exp(0.5 * s @ W @ s + b @ s) for s in states])
    weights /= weights.sum()
    model_pairs = sum(w * np.outer(s, s) for w, s in zip(weights, states))
    model_means = sum(w * s for w, s in zip(weights, states))
    dW = S.T @ S / len(S) - model_pairs
    np.fill_diagonal(dW, 0.0)
    return dW, S.mean(axis=0) - model_means


@pytest.mark.parametrize("n", [2, 4, 6])
def test_bm_gradient_exact_is_the_independent_gradient(n):
    rng = np.random.default_rng(n)
    A = rng.normal(size=(n, n))
    W, b = np.triu(A, 1) + np.triu(A, 1).T, rng.normal(size=n)
    S = (rng.random((40, n)) < 0.4).astype(np.float64)
    for got, expected in zip(ref.bm_gradient_exact(S, W, b), independent_bm_gradient(S, W, b)):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_gibbs_and_exact_bm_gradients_agree():
    # The two exercises against each other (and the exact one against the independent
    # reference above): 30 sweeps of 20,000 chains on a 5-unit machine.
    rng = np.random.default_rng(7)
    A = rng.normal(size=(5, 5))
    W, b = np.triu(A, 1) + np.triu(A, 1).T, rng.normal(size=5)
    S = np.repeat((rng.random((4, 5)) < 0.5).astype(np.float64), 5000, axis=0)
    exact = ref.bm_gradient_exact(S, W, b)
    gibbs = ref.bm_gradient_gibbs(S, W, b, sweeps=30, rng=np.random.default_rng(8))
    for e, g, r in zip(exact, gibbs, independent_bm_gradient(S, W, b)):
        np.testing.assert_allclose(e, r, atol=1e-12)
        np.testing.assert_allclose(g, e, atol=0.025)


def test_pcd_k_replays_an_independent_implementation():
    rng = np.random.default_rng(11)
    V = (rng.random((12, 6)) < 0.4).astype(np.float64)
    W, b, c = rng.normal(size=(6, 4)), rng.normal(size=6), rng.normal(size=4)
    chains = (rng.random((9, 6)) < 0.5).astype(np.float64)
    gen_ours, gen_theirs = np.random.default_rng(5), np.random.default_rng(5)
    for _ in range(3):                                   # three updates, chains carried over
        *ours, chains_ours = ref.pcd_k(V, W, b, c, chains, 2, gen_ours)
        fantasy = chains
        for _ in range(2):
            P = expit(fantasy @ W + c)
            H = (gen_theirs.random(P.shape) < P).astype(np.float64)
            Pv = expit(H @ W.T + b)
            fantasy = (gen_theirs.random(Pv.shape) < Pv).astype(np.float64)
        P0, Pf = expit(V @ W + c), expit(fantasy @ W + c)
        theirs = (V.T @ P0 / len(V) - fantasy.T @ Pf / len(fantasy),
                  V.mean(axis=0) - fantasy.mean(axis=0), P0.mean(axis=0) - Pf.mean(axis=0))
        np.testing.assert_array_equal(chains_ours, fantasy)
        for a, e in zip(ours, theirs):
            np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-14)
        chains = chains_ours
