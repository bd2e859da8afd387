"""How fast is our NumPy network? Train 784-128-64-10 with three libraries and three
optimizers in one run and compare.

    python benchmarks/train_mlp.py [--epochs 20] [--repeats 1] [--optimizers sgd momentum adam]

(a) the course's NumPy reference (chapter 6's `train`, with `momentum_step` or `adam_step`
    as its optimizer, loaded from solutions/),
(b) scikit-learn's MLPClassifier (solver "sgd" without or with momentum, solver "adam"; no L2),
(c) Keras Dense layers trained with `fit` (keras.optimizers.SGD without or with momentum,
    keras.optimizers.Adam; TensorFlow's CPU build, in requirements.txt).
Same data (the 4,000 / 1,000 offline MNIST digits), batch size, epochs and, per optimizer,
the same hyperparameters: plain SGD with learning rate 0.1; heavy-ball momentum with 0.05
and beta 0.9 (all three libraries use v = beta v + g, step -lr v); Adam with 0.001 and the
usual betas (scikit-learn and Keras add eps to the square root before the bias correction
of the step size, the course after it: a difference of order 1e-8). Repeat r seeds every
trainer with r (`default_rng(r)` draws our initial weights and then the batch order), so
the held-out accuracies of several repeats show the run-to-run spread. Each trainer runs
in a fresh subprocess so its peak memory is its own. Prints samples per second (fastest
repeat), held-out accuracy (mean and range over the repeats), peak resident memory, the
NumPy/peer speed ratios per optimizer, and the share of this machine's float32 GEMM peak
that the NumPy plain-SGD step reaches.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
LAYERS = [784, 128, 64, 10]
BATCH_SIZE = 64
SETTINGS = {  # optimizer: (learning rate, momentum beta)
    "sgd": (0.1, 0.0),
    "momentum": (0.05, 0.9),
    "adam": (0.001, None),
}
LIBRARIES = ("numpy", "scikit-learn", "keras")


def load_data():
    from dlbook.data import load_mnist

    return load_mnist()


def run_numpy(epochs: int, optimizer: str, seed: int) -> dict:
    os.environ["DLBOOK_CHAPTERS_DIR"] = str(ROOT / "solutions")
    from dlbook.previous import load_chapter

    sgd = load_chapter("06_sgd")
    forward = load_chapter("02_forward")
    train, test = load_data()
    rng = np.random.default_rng(seed)
    params = [(W.astype(np.float32), b.astype(np.float32))
              for W, b in forward.init_params(LAYERS, rng)]
    lr, beta = SETTINGS[optimizer]
    step = {
        "sgd": None,
        "momentum": lambda p, g, s: sgd.momentum_step(p, g, s, lr, beta=beta),
        "adam": lambda p, g, s: sgd.adam_step(p, g, s, lr),
    }[optimizer]
    start = time.perf_counter()
    params, _ = sgd.train(params, train.X, train.y, epochs=epochs, lr=lr,
                          batch_size=BATCH_SIZE, rng=rng, optimizer=step)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "accuracy": sgd.accuracy(params, test.X, test.y)}


def run_sklearn(epochs: int, optimizer: str, seed: int) -> dict:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    train, test = load_data()
    lr, beta = SETTINGS[optimizer]
    solver = {"solver": "adam"} if optimizer == "adam" else {
        "solver": "sgd", "momentum": beta, "nesterovs_momentum": False}
    model = MLPClassifier(hidden_layer_sizes=tuple(LAYERS[1:-1]), alpha=0.0,
                          batch_size=BATCH_SIZE, learning_rate_init=lr, max_iter=epochs,
                          shuffle=True, tol=0.0, n_iter_no_change=epochs + 1,
                          random_state=seed, **solver)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(train.X, train.y)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "accuracy": float(model.score(test.X, test.y))}


def run_keras(epochs: int, optimizer: str, seed: int) -> dict:
    from dlbook.devices import quiet_tensorflow

    quiet_tensorflow()
    import keras

    keras.utils.set_random_seed(seed)
    train, test = load_data()
    model = keras.Sequential(
        [keras.Input((LAYERS[0],))]
        + [keras.layers.Dense(width, activation="relu") for width in LAYERS[1:-1]]
        + [keras.layers.Dense(LAYERS[-1])])
    lr, beta = SETTINGS[optimizer]
    keras_optimizer = (keras.optimizers.Adam(learning_rate=lr) if optimizer == "adam"
                       else keras.optimizers.SGD(learning_rate=lr, momentum=beta))
    model.compile(optimizer=keras_optimizer,
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(train.X, train.y, batch_size=BATCH_SIZE, epochs=epochs, verbose=0, shuffle=True)
    seconds = time.perf_counter() - start
    _, accuracy = model.evaluate(test.X, test.y, verbose=0)
    return {"seconds": seconds, "accuracy": float(accuracy)}


def gemm_peak_gflops(size: int = 1024, repeats: int = 20) -> float:
    """Best float32 matrix-multiply rate of this machine's BLAS, in GFLOP/s."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * size**3 / best / 1e9


def _timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


TRAINERS = {"numpy": run_numpy, "scikit-learn": run_sklearn, "keras": run_keras}


def child(name: str, epochs: int, optimizer: str, seed: int) -> None:
    result = TRAINERS[name](epochs, optimizer, seed)
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(name: str, epochs: int, optimizer: str, seed: int) -> dict | None:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", name, "--epochs", str(epochs),
         "--optimizers", optimizer, "--seed", str(seed)],
        capture_output=True, text=True, cwd=ROOT)
    if completed.returncode != 0:
        reason = (completed.stderr.strip().splitlines() or ["failed"])[-1]
        print(f"{name} ({optimizer}): not measured ({reason})", file=sys.stderr)
        return None
    return json.loads(completed.stdout.strip().splitlines()[-1])


def summarise(runs: list[dict]) -> dict:
    """The fastest repeat's time and memory; the accuracy's mean and range over repeats."""
    accuracies = [run["accuracy"] for run in runs]
    fastest = min(runs, key=lambda run: run["seconds"])
    return {"seconds": fastest["seconds"], "peak_rss_mib": fastest["peak_rss_mib"],
            "accuracy": float(np.mean(accuracies)), "low": min(accuracies),
            "high": max(accuracies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=1,
                        help="runs per trainer, repeat r seeded with r; the fastest is timed")
    parser.add_argument("--optimizers", nargs="+", choices=SETTINGS, default=list(SETTINGS))
    parser.add_argument("--child", choices=TRAINERS, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.epochs, args.optimizers[0], args.seed)
        return

    train, _ = load_data()
    samples = args.epochs * len(train.y)
    results = {}
    for optimizer in args.optimizers:
        for name in LIBRARIES:
            runs = [run for run in (measure(name, args.epochs, optimizer, seed)
                                    for seed in range(args.repeats)) if run]
            if runs:
                results[name, optimizer] = summarise(runs)
    peak = gemm_peak_gflops()

    print(f"784-128-64-10, batch {BATCH_SIZE}, {args.epochs} epochs over {len(train.y)} digits, "
          f"{args.repeats} repeat(s) seeded 0..{args.repeats - 1}, {os.cpu_count()} cores\n")
    print("| trainer | optimizer | samples/s | held-out accuracy | peak memory (MiB) |")
    print("|---|---|---:|---:|---:|")
    for (name, optimizer), run in results.items():
        lr, beta = SETTINGS[optimizer]
        label = {"sgd": f"SGD, lr {lr}", "momentum": f"momentum, lr {lr}, beta {beta}",
                 "adam": f"Adam, lr {lr}"}[optimizer]
        spread = (f" ({run['low']:.1%}-{run['high']:.1%})" if args.repeats > 1 else "")
        print(f"| {name} | {label} | {samples / run['seconds']:,.0f} | "
              f"{run['accuracy']:.1%}{spread} | {run['peak_rss_mib']:,.0f} |")
    print()
    for optimizer in args.optimizers:
        if ("numpy", optimizer) not in results:
            continue
        numpy_seconds = results["numpy", optimizer]["seconds"]
        for peer in LIBRARIES[1:]:
            if (peer, optimizer) in results:
                ratio = results[peer, optimizer]["seconds"] / numpy_seconds
                print(f"{optimizer}: NumPy / {peer} speed: {ratio:.2f}x")
    if ("numpy", "sgd") in results:
        numpy_rate = samples / results["numpy", "sgd"]["seconds"]
        parameters = sum(n_in * n_out + n_out for n_in, n_out in zip(LAYERS, LAYERS[1:]))
        # Forward 2 FLOPs per weight; backward twice that (dX and dW products).
        flops_per_sample = 6 * parameters
        achieved = numpy_rate * flops_per_sample / 1e9
        print(f"float32 GEMM peak: {peak:.0f} GFLOP/s; NumPy SGD training step: "
              f"{achieved:.1f} GFLOP/s = {achieved / peak:.0%} of peak")


if __name__ == "__main__":
    main()
