"""How fast is our NumPy network? Train 784-128-64-10 three ways in one run and compare.

    python benchmarks/train_mlp.py [--epochs 20] [--repeats 1]

(a) the course's NumPy reference (chapter 6's `train`, loaded from solutions/),
(b) scikit-learn's MLPClassifier (plain SGD, no momentum, no L2),
(c) Keras Dense layers trained with `fit` (TensorFlow's CPU build, in requirements.txt).
Same data (the 4,000 / 1,000 offline MNIST digits), batch size, epochs and learning
rate. Each trainer runs in a fresh subprocess so its peak memory is its own. Prints
samples per second, held-out accuracy, peak resident memory, the NumPy/peer speed
ratios, and the share of this machine's float32 GEMM peak that the NumPy step reaches.
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
LEARNING_RATE = 0.1
SEED = 0


def load_data():
    from dlbook.data import load_mnist

    return load_mnist()


def run_numpy(epochs: int) -> dict:
    os.environ["DLBOOK_CHAPTERS_DIR"] = str(ROOT / "solutions")
    from dlbook.previous import load_chapter

    sgd = load_chapter("06_sgd")
    forward = load_chapter("02_forward")
    train, test = load_data()
    rng = np.random.default_rng(SEED)
    params = [(W.astype(np.float32), b.astype(np.float32))
              for W, b in forward.init_params(LAYERS, rng)]
    start = time.perf_counter()
    params, _ = sgd.train(params, train.X, train.y, epochs=epochs, lr=LEARNING_RATE,
                          batch_size=BATCH_SIZE, rng=rng)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "accuracy": sgd.accuracy(params, test.X, test.y)}


def run_sklearn(epochs: int) -> dict:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    train, test = load_data()
    model = MLPClassifier(hidden_layer_sizes=tuple(LAYERS[1:-1]), solver="sgd", momentum=0.0,
                          nesterovs_momentum=False, alpha=0.0, batch_size=BATCH_SIZE,
                          learning_rate_init=LEARNING_RATE, max_iter=epochs, shuffle=True,
                          tol=0.0, n_iter_no_change=epochs + 1, random_state=SEED)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(train.X, train.y)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "accuracy": float(model.score(test.X, test.y))}


def run_keras(epochs: int) -> dict:
    from dlbook.devices import quiet_tensorflow

    quiet_tensorflow()
    import keras

    keras.utils.set_random_seed(SEED)
    train, test = load_data()
    model = keras.Sequential(
        [keras.Input((LAYERS[0],))]
        + [keras.layers.Dense(width, activation="relu") for width in LAYERS[1:-1]]
        + [keras.layers.Dense(LAYERS[-1])])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE),
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


def child(name: str, epochs: int) -> None:
    result = TRAINERS[name](epochs)
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(name: str, epochs: int) -> dict | None:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", name, "--epochs", str(epochs)],
        capture_output=True, text=True, cwd=ROOT)
    if completed.returncode != 0:
        reason = (completed.stderr.strip().splitlines() or ["failed"])[-1]
        print(f"{name}: not measured ({reason})", file=sys.stderr)
        return None
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=1,
                        help="runs per trainer; the fastest is reported")
    parser.add_argument("--child", choices=TRAINERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.epochs)
        return

    train, _ = load_data()
    samples = args.epochs * len(train.y)
    results = {}
    for name in TRAINERS:
        runs = [run for run in (measure(name, args.epochs) for _ in range(args.repeats)) if run]
        if runs:
            results[name] = min(runs, key=lambda run: run["seconds"])
    peak = gemm_peak_gflops()

    print(f"784-128-64-10, batch {BATCH_SIZE}, lr {LEARNING_RATE}, {args.epochs} epochs over "
          f"{len(train.y)} digits, {os.cpu_count()} cores\n")
    print("| trainer | samples/s | held-out accuracy | peak memory (MiB) |")
    print("|---|---:|---:|---:|")
    for name, run in results.items():
        print(f"| {name} | {samples / run['seconds']:,.0f} | {run['accuracy']:.1%} "
              f"| {run['peak_rss_mib']:,.0f} |")
    if "numpy" in results:
        numpy_rate = samples / results["numpy"]["seconds"]
        print()
        for peer in ("scikit-learn", "keras"):
            if peer in results:
                ratio = numpy_rate / (samples / results[peer]["seconds"])
                print(f"NumPy / {peer} speed: {ratio:.2f}x")
        parameters = sum(n_in * n_out + n_out for n_in, n_out in zip(LAYERS, LAYERS[1:]))
        # Forward 2 FLOPs per weight; backward twice that (dX and dW products).
        flops_per_sample = 6 * parameters
        achieved = numpy_rate * flops_per_sample / 1e9
        print(f"float32 GEMM peak: {peak:.0f} GFLOP/s; NumPy training step: {achieved:.1f} "
              f"GFLOP/s = {achieved / peak:.0%} of peak")


if __name__ == "__main__":
    main()
