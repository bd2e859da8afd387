"""Does the course's CustomDense train as fast as keras.layers.Dense? One step, both layers.

    python benchmarks/tf_layers.py [--batch-sizes 64 1024] [--repeats 7] [--steps 50]
                                   [--jit] [--json results.json]

Two 784-128-64-10 networks (ReLU hidden layers, logits out, float32) with the same
starting weights: (a) chapter 8's `build_model`, made of `CustomDense` layers (loaded
from solutions/08_capstone/capstone.ipynb, their only copy), and (b) the same network
made of `keras.layers.Dense`. Both train with one identical step, compiled with
`tf.function` (and, with --jit, also with `jit_compile=True`): forward pass, chapter 8's
`softmax_cross_entropy`, gradients from a GradientTape, `v -= 0.1 * gradient` for every
variable. So only the layer differs. Before timing, the two models must give the same
loss and gradients on the first batch; the script stops if they do not.

After a warm-up (trace and a few steps), each round times `--steps` consecutive steps
(fewer above batch 64, as long as a round lasts 0.1 s) of one model, then of the other;
the order alternates between rounds, and the last loss is fetched to wait for the
device. Deterministic: seeded weights, the first `batch` training digits. Prints the
median milliseconds per step, samples per second and the CustomDense / Dense time ratio
(the target is within 5%) on the CPU, and on the GPU as well when TensorFlow sees one,
together with the GPU / CPU speed-up.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from dlbook.devices import quiet_tensorflow

ROOT = Path(__file__).resolve().parent.parent

NOTEBOOK = ROOT / "solutions" / "08_capstone" / "capstone.ipynb"
LAYERS = [784, 128, 64, 10]
LEARNING_RATE = 0.1
SEED = 0
REFERENCE_BATCH = 64  # --steps is the number of steps per round at this batch size
WARMUP_STEPS = 3
MIN_ROUND_S = 0.1  # shortest timed round wanted at batch sizes above 64
TARGET = 1.05  # CustomDense may take at most 5% longer per step than Dense


def load_chapter8():
    """Chapter 8's reference answers (and the `relu` they call), from the instructor
    notebook: their only copy."""
    from dlbook.previous import load_notebook_functions

    return load_notebook_functions(NOTEBOOK)


def build_pair(ch8, keras, tf, device):
    """The CustomDense model and the keras Dense model, same weights, on `device`."""
    keras.utils.set_random_seed(SEED)
    with tf.device(device):
        custom = ch8.build_model(LAYERS)
        peer = keras.Sequential(
            [keras.Input((LAYERS[0],))]
            + [keras.layers.Dense(width, activation="relu") for width in LAYERS[1:-1]]
            + [keras.layers.Dense(LAYERS[-1])])
        peer.set_weights(custom.get_weights())
    return {"custom": custom, "keras": peer}


def make_step(ch8, tf, model, jit: bool):
    """One SGD step on the mean softmax cross-entropy; the same code for both models."""
    variables = model.trainable_variables

    @tf.function(jit_compile=jit)
    def step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss = ch8.softmax_cross_entropy(logits, y)
        for variable, gradient in zip(variables, tape.gradient(loss, variables)):
            variable.assign_sub(LEARNING_RATE * gradient)
        return loss

    return step


def check_same_computation(ch8, tf, models, x, y, label: str) -> None:
    """Stop unless both models give the same loss and gradients on (x, y)."""
    results = {}
    for name, model in models.items():
        with tf.GradientTape() as tape:
            loss = ch8.softmax_cross_entropy(model(x, training=True), y)
        grads = tape.gradient(loss, model.trainable_variables)
        results[name] = [loss.numpy()] + [grad.numpy() for grad in grads]
    names = ["loss"] + [variable.path for variable in models["custom"].trainable_variables]
    for name, ours, theirs in zip(names, results["custom"], results["keras"]):
        if ours.shape != theirs.shape or not np.allclose(ours, theirs, rtol=1e-5):
            gap = float(np.max(np.abs(ours - theirs))) if ours.shape == theirs.shape else None
            raise SystemExit(
                f"{label}: CustomDense and Dense disagree on {name} (largest difference "
                f"{gap}); they do not compute the same thing, so timing them means nothing")


def steps_for(batch_size: int, steps: int, seconds_per_step: float) -> int:
    """Steps per timed round: `steps` up to batch 64; for larger batches `steps * 64 /
    batch`, raised (up to `steps`) so that a round still lasts about MIN_ROUND_S.

    A step's fixed cost (dispatch, small kernels) does not grow with the batch, so a
    step at batch 1024 may cost only a few times one at 64, and a round of 3 steps would
    be too short to time.
    """
    scaled = math.ceil(steps * REFERENCE_BATCH / batch_size)
    return min(steps, max(scaled, math.ceil(MIN_ROUND_S / seconds_per_step)))


def timed_block(step, x, y, count: int) -> float:
    """Seconds for `count` consecutive steps, waiting for the last loss."""
    start = time.perf_counter()
    for _ in range(count):
        loss = step(x, y)
    loss.numpy()
    return time.perf_counter() - start


def measure(ch8, keras, tf, device, batch_size, data, *, jit, repeats, steps) -> dict:
    label = f"{device}, batch {batch_size}, {'XLA' if jit else 'tf.function'}"
    models = build_pair(ch8, keras, tf, device)
    rows = np.arange(batch_size) % len(data.y)
    with tf.device(device):
        x = tf.constant(data.X[rows], dtype=tf.float32)
        y = tf.constant(data.y[rows])
        check_same_computation(ch8, tf, models, x, y, label)
        step_fns = {name: make_step(ch8, tf, model, jit) for name, model in models.items()}
        warm = {}
        for name, step in step_fns.items():
            step(x, y).numpy()  # the first call traces
            warm[name] = timed_block(step, x, y, WARMUP_STEPS) / WARMUP_STEPS
        count = steps_for(batch_size, steps, max(warm.values()))
        rounds = {name: [] for name in step_fns}
        for number in range(repeats):
            order = ["custom", "keras"] if number % 2 == 0 else ["keras", "custom"]
            for name in order:
                rounds[name].append(timed_block(step_fns[name], x, y, count) / count * 1e3)
    traces = {name: step.experimental_get_tracing_count() for name, step in step_fns.items()}
    for name, traced in traces.items():
        if traced != 1:
            print(f"warning: {label}: the {name} step was traced {traced} times", file=sys.stderr)
    custom_ms = statistics.median(rounds["custom"])
    keras_ms = statistics.median(rounds["keras"])
    # Paired per-round ratios show how noisy the machine was (the two blocks of a round
    # run back to back, so a slow stretch of the machine hits both).
    paired = [ours / theirs for ours, theirs in zip(rounds["custom"], rounds["keras"])]
    return {"device": device, "batch_size": batch_size, "jit": jit, "steps_per_round": count,
            "repeats": repeats, "custom_ms": custom_ms, "keras_ms": keras_ms,
            "ratio": custom_ms / keras_ms, "within_5pct": custom_ms / keras_ms <= TARGET,
            "custom_samples_per_s": batch_size / custom_ms * 1e3,
            "keras_samples_per_s": batch_size / keras_ms * 1e3,
            "round_ratios": paired, "median_round_ratio": statistics.median(paired),
            "custom_rounds_ms": rounds["custom"], "keras_rounds_ms": rounds["keras"],
            "tracing_counts": traces}


def speedups(results: list[dict]) -> list[dict]:
    """GPU / CPU speed-up of each model, per batch size and compilation."""
    cpu = {(r["batch_size"], r["jit"]): r for r in results if r["device"] == "/CPU:0"}
    rows = []
    for r in results:
        base = cpu.get((r["batch_size"], r["jit"]))
        if r["device"] != "/CPU:0" and base:
            rows.append({"device": r["device"], "batch_size": r["batch_size"], "jit": r["jit"],
                         "custom": base["custom_ms"] / r["custom_ms"],
                         "keras": base["keras_ms"] / r["keras_ms"]})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 1024])
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds per model")
    parser.add_argument("--steps", type=int, default=50,
                        help="steps per round at batch 64 and below (fewer for larger "
                        "batches, keeping a round at least 0.1 s)")
    parser.add_argument("--jit", action="store_true",
                        help="also measure steps compiled with XLA (jit_compile=True)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    if min(args.batch_sizes) < 1 or args.repeats < 1 or args.steps < 1:
        parser.error("batch sizes, repeats and steps must be at least 1")

    from dlbook.devices import prepare_device

    quiet_tensorflow()  # before TensorFlow is imported
    choice = prepare_device()  # before anything touches a GPU (memory growth)
    import keras
    import tensorflow as tf

    from dlbook.data import load_mnist

    tf.get_logger().setLevel("ERROR")
    ch8 = load_chapter8()
    train, _ = load_mnist()
    devices = ["/CPU:0"] + ([choice.device] if choice.device != "/CPU:0" else [])

    header = {"tensorflow": tf.__version__, "keras": keras.__version__,
              "cpu_count": os.cpu_count(), "device": choice.description,
              "layers": LAYERS, "learning_rate": LEARNING_RATE, "seed": SEED}
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {os.cpu_count()} CPU cores")
    print(choice.description)
    print(f"784-128-64-10 float32, one SGD step (lr {LEARNING_RATE}), median of "
          f"{args.repeats} rounds")
    print()

    start = time.perf_counter()
    results = []
    for device in devices:
        for batch_size in args.batch_sizes:
            for jit in [False, True] if args.jit else [False]:
                results.append(measure(ch8, keras, tf, device, batch_size, train, jit=jit,
                                       repeats=args.repeats, steps=args.steps))
    seconds = time.perf_counter() - start

    print("| device | batch | compiled | steps/round | CustomDense ms/step | Dense ms/step "
          "| Custom / Dense | within 5% | round ratios, min-max | CustomDense samples/s "
          "| Dense samples/s |")
    print("|---|---:|---|---:|---:|---:|---:|---|---:|---:|---:|")
    for r in results:
        print(f"| {r['device']} | {r['batch_size']} | {'XLA' if r['jit'] else 'tf.function'} "
              f"| {r['steps_per_round']} | {r['custom_ms']:.3f} | {r['keras_ms']:.3f} "
              f"| {r['ratio']:.3f} | {'yes' if r['within_5pct'] else 'no'} "
              f"| {min(r['round_ratios']):.2f}-{max(r['round_ratios']):.2f} "
              f"| {r['custom_samples_per_s']:,.0f} | {r['keras_samples_per_s']:,.0f} |")
    gains = speedups(results)
    if gains:
        print("\n| device | batch | compiled | GPU / CPU speed-up, CustomDense | same, Dense |")
        print("|---|---:|---|---:|---:|")
        for g in gains:
            print(f"| {g['device']} | {g['batch_size']} | {'XLA' if g['jit'] else 'tf.function'} "
                  f"| {g['custom']:.1f}x | {g['keras']:.1f}x |")
    print(f"\ntimed in {seconds:.1f} s")

    if args.json:
        args.json.write_text(json.dumps(
            {"header": header, "results": results, "speedups": gains}, indent=2) + "\n")


if __name__ == "__main__":
    main()
