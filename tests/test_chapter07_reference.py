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
from scipy.special import logsumexp
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
