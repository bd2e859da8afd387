"""Chapters 5 and 6: the reference backward pass and training loop."""

from __future__ import annotations

import numpy as np
import pytest
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


def test_fan_in_weights_keep_the_deltas_entries_only_for_equal_widths():
    """Chapter 5: with Var(W) = 1/n_in one step back scales the entries of the delta by
    sqrt(n_out / n_in) and keeps the norm of the whole delta, on average."""
    rng = np.random.default_rng(5)
    for n_in, n_out in [(64, 64), (784, 128), (64, 10), (10, 64)]:
        entry, norm = [], []
        for _ in range(30):
            W = rng.normal(scale=np.sqrt(1.0 / n_in), size=(n_in, n_out))
            Delta = rng.normal(size=(100, n_out))
            back, _, _ = backprop.dense_backward(Delta, np.zeros((100, n_in)), W)
            entry.append(np.sqrt(np.mean(back ** 2) / np.mean(Delta ** 2)))
            norm.append(np.linalg.norm(back) / np.linalg.norm(Delta))
        assert np.mean(entry) == pytest.approx(np.sqrt(n_out / n_in), rel=0.05)
        assert np.mean(norm) == pytest.approx(1.0, rel=0.05)


def delta_factor_per_layer(activation, activation_backward, weight_variance, seed=0):
    """Mean factor by which ||Delta|| changes per step back through 14 hidden layers of 64."""
    rng = np.random.default_rng(seed)
    width, depth = 64, 14
    A, stored = rng.normal(size=(128, width)), []
    weights = [rng.normal(scale=np.sqrt(weight_variance / width), size=(width, width))
               for _ in range(depth)]
    for W in weights:
        Z = A @ W
        stored.append((A, Z))
        A = activation(Z)
    delta = activation_backward(rng.normal(size=(128, width)), stored[-1][1])
    first = np.linalg.norm(delta)
    for layer in reversed(range(1, depth)):
        back, _, _ = backprop.dense_backward(delta, stored[layer][0], weights[layer])
        delta = activation_backward(back, stored[layer - 1][1])
    return (np.linalg.norm(delta) / first) ** (1 / (depth - 1))


def test_deltas_vanish_through_sigmoids_and_explode_through_too_large_relu_weights():
    """Chapter 5: about 1/4 per sigmoid layer (Var(W) = 1/n), about 1 per ReLU layer with
    He's 2/n, and about 1.5 per ReLU layer with weights 1.5 times He's."""
    sigmoid = backprop.ch1.sigmoid
    relu = backprop.ch1.relu
    assert delta_factor_per_layer(sigmoid, backprop.sigmoid_backward, 1.0) < 0.26
    assert delta_factor_per_layer(relu, backprop.relu_backward, 2.0) == pytest.approx(1.0, abs=0.1)
    assert delta_factor_per_layer(relu, backprop.relu_backward, 2.0 * 1.5 ** 2) == \
        pytest.approx(1.5, abs=0.1)


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


# Chapter 6, second edition: optimizers, schedule, and train's optimizer argument.


def _small_problem(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=70)
    X = rng.normal(size=(3, 5))[y] + rng.normal(size=(70, 5))
    params = [((rng.normal(size=(5, 8)) * 0.6).astype(dtype), np.zeros(8, dtype)),
              ((rng.normal(size=(8, 3)) * 0.5).astype(dtype), np.zeros(3, dtype))]
    return params, X.astype(dtype), y


def test_train_without_optimizer_is_plain_sgd_bit_for_bit():
    params, X, y = _small_problem()
    default, history = sgd.train(params, X, y, epochs=3, lr=0.2, batch_size=16,
                                 rng=np.random.default_rng(1))
    explicit, explicit_history = sgd.train(
        params, X, y, epochs=3, lr=999.0, batch_size=16, rng=np.random.default_rng(1),
        optimizer=lambda p, g, s: (sgd.sgd_step(p, g, 0.2), s))
    assert history == explicit_history
    for (W, b), (We, be) in zip(default, explicit):
        assert np.array_equal(W, We) and np.array_equal(b, be)


def test_train_records_validation_accuracy_not_training_accuracy():
    params, X, y = _small_problem(seed=3)
    X_val, y_val = X[:20] + 5.0, y[:20]
    trained, history = sgd.train(params, X, y, epochs=2, lr=0.2, batch_size=16,
                                 rng=np.random.default_rng(2), X_val=X_val, y_val=y_val)
    assert history["val_accuracy"][-1] == sgd.accuracy(trained, X_val, y_val)
    assert history["val_accuracy"][-1] != sgd.accuracy(trained, X, y)


@settings(max_examples=25, deadline=None)
@given(st.floats(1.5, 1e4))
def test_tuned_momentum_rates_are_the_spectral_radii_of_the_mode_maps(kappa):
    """The closed-form rates of the text: heavy ball (sqrt k - 1)/(sqrt k + 1) at
    eta = 4/(sqrt L + sqrt mu)^2, beta = that rate squared; Nesterov with the guarantee's
    parameters 1 - 1/sqrt k at eta = 1/L, beta = (sqrt k - 1)/(sqrt k + 1); Nesterov with the
    best parameters on a quadratic (Lessard, Recht and Packard 2016) 1 - 2/sqrt(3k + 1) at
    eta = 4/(3L + mu), beta = (sqrt(3k + 1) - 2)/(sqrt(3k + 1) + 2), and no other (eta, beta)
    nearby does better."""
    lam_min, lam_max, root = 1.0, kappa, np.sqrt(kappa)

    def radius(matrix_of):
        lams = np.linspace(lam_min, lam_max, 400)
        return max(np.abs(np.linalg.eigvals(matrix_of(lam))).max() for lam in lams)

    eta, beta = 4 / (np.sqrt(lam_max) + np.sqrt(lam_min)) ** 2, ((root - 1) / (root + 1)) ** 2
    heavy = radius(lambda lam: np.array([[1 - eta * lam, -eta * beta], [lam, beta]]))
    assert np.isclose(heavy, (root - 1) / (root + 1), rtol=1e-4)
    eta, beta = 1 / lam_max, (root - 1) / (root + 1)
    nesterov = radius(lambda lam: np.array([[1 - eta * lam * (1 + beta), -eta * beta**2],
                                            [lam, beta]]))
    assert np.isclose(nesterov, 1 - 1 / root, rtol=1e-4)
    assert heavy < nesterov < (kappa - 1) / (kappa + 1) + 1e-12

    def nesterov_radius(eta, beta):
        return radius(lambda lam: np.array([[1 - eta * lam * (1 + beta), -eta * beta**2],
                                            [lam, beta]]))

    root3 = np.sqrt(3 * kappa + 1)
    eta, beta = 4 / (3 * lam_max + lam_min), (root3 - 2) / (root3 + 2)
    best = nesterov_radius(eta, beta)
    assert np.isclose(best, 1 - 2 / root3, rtol=1e-4)
    assert heavy <= best + 1e-12 and best < nesterov
    for factor_eta, factor_beta in [(1.01, 1), (0.99, 1), (1, 1.01), (1, 0.99), (1.01, 1.01),
                                    (0.99, 0.99), (1.01, 0.99), (0.99, 1.01)]:
        assert nesterov_radius(eta * factor_eta, beta * factor_beta) > best * (1 - 1e-9)


def test_nesterov_with_the_best_parameters_needs_37_steps_on_the_bowl():
    """Chapter 6's bowl (eigenvalues 1 and 10): 37 steps to 1e-6 of the start with the best
    parameters (31 predicted by the rate alone, 0.641), 43 with the guarantee's."""
    angle = np.pi / 6
    R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    H = R @ np.diag([1.0, 10.0]) @ R.T
    start = -3.8 * R[:, 0] + 0.2 * R[:, 1]
    root, root3 = np.sqrt(10.0), np.sqrt(31.0)

    def steps_to_tolerance(lr, beta):
        params, state = [(start.copy(), np.zeros(0))], None
        for t in range(1, 200):
            params, state = sgd.nesterov_step(params, [(H @ params[0][0], np.zeros(0))], state,
                                              lr, beta=beta)
            if np.linalg.norm(params[0][0]) < 1e-6 * np.linalg.norm(start):
                return t
        raise AssertionError("no convergence in 200 steps")

    assert round(1 - 2 / root3, 3) == 0.641
    assert steps_to_tolerance(4 / 31, (root3 - 2) / (root3 + 2)) == 37
    assert steps_to_tolerance(0.1, (root - 1) / (root + 1)) == 43


@pytest.mark.parametrize("step_name", ["momentum_step", "nesterov_step"])
def test_momentum_steps_converge_at_the_predicted_rate_on_a_quadratic(step_name):
    kappa, root = 100.0, 10.0
    H = np.diag([1.0, kappa])
    if step_name == "momentum_step":
        rate = (root - 1) / (root + 1)
        lr, beta = 4 / (1 + root) ** 2, rate**2
    else:
        lr, beta, rate = 1 / kappa, (root - 1) / (root + 1), 1 - 1 / root
    step = getattr(sgd, step_name)
    params, state = [(np.array([1.0, 1.0]), np.zeros(0))], None
    for _ in range(300):
        params, state = step(params, [(H @ params[0][0], np.zeros(0))], state, lr, beta=beta)
    # 300 steps at the predicted rate, allowing the polynomial factor of a double root.
    assert np.linalg.norm(params[0][0]) < 300 * 2 * rate**300
    gd_rate = (kappa - 1) / (kappa + 1)
    assert np.linalg.norm(params[0][0]) < gd_rate**300 / 1e6


def test_momentum_velocity_under_a_constant_gradient_grows_to_one_over_one_minus_beta():
    params, state = [(np.zeros(1), np.zeros(1))], None
    for _ in range(400):
        params, state = sgd.momentum_step(params, [(np.ones(1), np.ones(1))], state, 1e-3,
                                          beta=0.9)
    before = params[0][0].copy()
    params, state = sgd.momentum_step(params, [(np.ones(1), np.ones(1))], state, 1e-3, beta=0.9)
    assert np.isclose((before - params[0][0])[0] / 1e-3, 1 / (1 - 0.9), rtol=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.floats(1e-3, 1e3))
def test_adam_steps_do_not_depend_on_the_scale_of_the_loss(seed, scale):
    """With eps negligible, multiplying every gradient by c > 0 leaves Adam's steps as they
    are; the first step moves each parameter by lr (bias correction), not 3.2 lr."""
    rng = np.random.default_rng(seed)
    params = [(rng.normal(size=(3, 2)), rng.normal(size=2))]
    grads = [[(rng.normal(size=(3, 2)), rng.normal(size=2))] for _ in range(4)]
    runs = []
    for factor in (1.0, scale):
        current, state = params, None
        for g in grads:
            current, state = sgd.adam_step(current, [(factor * dW, factor * db)
                                                     for dW, db in g], state, 0.01, eps=1e-12)
        runs.append(current)
    for (W, b), (Ws, bs) in zip(*runs):
        np.testing.assert_allclose(W, Ws, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(b, bs, rtol=1e-8, atol=1e-10)
    first, _ = sgd.adam_step(params, grads[0], None, 0.01, eps=1e-12)
    np.testing.assert_allclose(np.abs(first[0][0] - params[0][0]), 0.01, rtol=1e-8)
    assert np.isclose((1 - 0.9) / np.sqrt(1 - 0.999), 3.16, atol=0.005)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 50), st.integers(1, 200), st.floats(1e-5, 1.0))
def test_lr_schedule_peaks_at_base_lr_and_stays_positive(warmup, decay, base_lr):
    total = warmup + decay
    rates = [sgd.lr_schedule(step, base_lr=base_lr, warmup_steps=warmup, total_steps=total)
             for step in range(total)]
    assert all(0 < rate <= base_lr * (1 + 1e-12) for rate in rates)
    assert np.isclose(rates[warmup], base_lr)  # the decay starts at the peak
    if warmup:
        assert np.isclose(rates[warmup - 1], base_lr)  # the warm-up ends at the peak
        assert np.isclose(rates[0], base_lr / warmup)
    assert all(a >= b for a, b in zip(rates[warmup:], rates[warmup + 1:]))


# ---------------------------------------------------------------------------------------
# Chapter 6's training printouts, which nbval does not compare verbatim (their cells are
# tagged nbval-ignore-output): a float32 matrix product's rounding depends on the processor's
# kernels and thread count, and over 1,260 SGD steps one rounding error grows into a
# different run. So the values are asserted within a band derived from measurements: the
# runs below, of the notebook's recipes with other seeds, on two kernel configurations
# (OpenBLAS Haswell, AVX2 dispatch, 2 threads; and Prescott, NumPy's baseline, 1 thread;
# 2026-12-06). Where the two configurations differed for one seed (momentum, seed 10:
# 0.0566 against 0.0475), both values are kept. The band is the mean +- 3 standard
# deviations of those runs, and at least +- HALF_WIDTH_FLOOR of the quantity (an accuracy
# on 1,000 digits moves in steps of 0.001; a handful of runs underestimates a spread).

TWENTY_EPOCHS = {  # seeds 2s (weights) and 2s + 1 (batch order), s = 0..7
    "val_accuracy": [0.941, 0.941, 0.946, 0.939, 0.940, 0.941, 0.937, 0.936],
    "final_loss": [0.0328, 0.0314, 0.0296, 0.0288, 0.0285, 0.0257, 0.0302, 0.0300, 0.0264],
}
SIX_EPOCHS = {  # seeds 10 + s (weights) and 20 + s (batch order), s = 0..5
    "sgd_loss": [0.1830, 0.1871, 0.1934, 0.1764, 0.1843, 0.1846],
    "momentum_loss": [0.0566, 0.0475, 0.0536, 0.0715, 0.0647, 0.0506, 0.0517, 0.0616],
    "adam_loss": [0.0981, 0.1036, 0.1105, 0.0959, 0.0992, 0.0998],
    "sgd_accuracy": [0.907, 0.932, 0.916, 0.917, 0.908, 0.900],
    "momentum_accuracy": [0.934, 0.936, 0.937, 0.939, 0.940, 0.945, 0.946, 0.932],
    "adam_accuracy": [0.937, 0.940, 0.935, 0.935, 0.935, 0.936],
}
HALF_WIDTH_FLOOR = {"accuracy": 0.01, "loss": 0.0}


def _band(samples: list[float], kind: str) -> tuple[float, float]:
    values = np.array(samples)
    half = max(3 * values.std(ddof=1), HALF_WIDTH_FLOOR[kind])
    return values.mean() - half, values.mean() + half


def _digits_network(seed_weights: int):
    return forward.init_params([784, 128, 64, 10], np.random.default_rng(seed_weights),
                               dtype=np.float32)


def test_the_bands_are_narrow_enough_to_mean_something():
    """A band must reject a clearly different run: a worse optimizer, a broken schedule."""
    low, high = _band(TWENTY_EPOCHS["val_accuracy"], "accuracy")
    assert high - low < 0.03
    assert _band(SIX_EPOCHS["momentum_loss"], "loss")[1] < _band(SIX_EPOCHS["sgd_loss"],
                                                                  "loss")[0]
    assert _band(SIX_EPOCHS["adam_loss"], "loss")[1] < _band(SIX_EPOCHS["sgd_loss"], "loss")[0]


def test_the_twenty_epoch_run_lands_within_the_measured_band():
    from dlbook.data import load_mnist

    train, test = load_mnist()
    params, history = sgd.train(_digits_network(0), train.X, train.y, epochs=20, lr=0.1,
                                batch_size=64, rng=np.random.default_rng(1), X_val=test.X,
                                y_val=test.y)
    low, high = _band(TWENTY_EPOCHS["val_accuracy"], "accuracy")
    assert low <= history["val_accuracy"][-1] <= high  # "about 94%"
    low, high = _band(TWENTY_EPOCHS["final_loss"], "loss")
    assert low <= history["loss"][-1] <= high
    assert 25 <= history["loss"][0] / history["loss"][-1] <= 50  # "a factor of about 30"
    assert sgd.accuracy(params, train.X, train.y) > 0.99  # "more than 99%"
    assert history["val_accuracy"][-1] == sgd.accuracy(params, test.X, test.y)


def test_six_epochs_of_momentum_and_adam_are_well_ahead_of_sgd():
    from dlbook.data import load_mnist

    train, test = load_mnist()
    optimizers = {
        "sgd": None,
        "momentum": lambda p, g, s: sgd.momentum_step(p, g, s, 0.05, beta=0.9),
        "adam": lambda p, g, s: sgd.adam_step(p, g, s, 0.001),
    }
    six_epoch_loss, sgd_losses = {}, []
    for name, optimizer in optimizers.items():
        # SGD runs on to 20 epochs; its first 6 are exactly a 6-epoch run (same draws).
        epochs = 20 if optimizer is None else 6
        _, history = sgd.train(_digits_network(10), train.X, train.y, epochs=epochs, lr=0.1,
                               batch_size=64, rng=np.random.default_rng(20), X_val=test.X,
                               y_val=test.y, optimizer=optimizer)
        six_epoch_loss[name] = history["loss"][5]
        sgd_losses = history["loss"] if optimizer is None else sgd_losses
        low, high = _band(SIX_EPOCHS[f"{name}_loss"], "loss")
        assert low <= history["loss"][5] <= high, (name, history["loss"][5], low, high)
        low, high = _band(SIX_EPOCHS[f"{name}_accuracy"], "accuracy")
        assert low <= history["val_accuracy"][5] <= high, (name, history["val_accuracy"])
    # "SGD needs 11 epochs to reach Adam's 6-epoch training loss and 14 to 17 to reach
    # momentum's": measured over seeds 10 + s, 20 + s, s = 0..5 (2026-12-06): Adam 11 for every
    # seed, momentum 14-16 (15 for this seed; 17 with momentum's 0.0475 of the other kernel
    # configuration). The bounds below are those, one epoch wider on each side.
    def epochs_to_reach(target):
        return next(e + 1 for e, loss in enumerate(sgd_losses) if loss <= target)

    assert 10 <= epochs_to_reach(six_epoch_loss["adam"]) <= 12
    assert 13 <= epochs_to_reach(six_epoch_loss["momentum"]) <= 18
