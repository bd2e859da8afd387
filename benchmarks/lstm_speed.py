"""How fast is chapter 10's NumPy LSTM? Against Keras LSTM on the CPU, same weights.

    python benchmarks/lstm_speed.py [--batch 64] [--repeats 7] [--threads N] [--json results.json]

One LSTM layer over whole sequences, forward and backward (dX, dh0, dc0, dWx, dWh, db for an
upstream gradient dHs at every step), in float32, two ways, in two settings: the chapter's
digits read row by row (T = 28 steps of D = 28 pixels, H = 32 units) and a wider layer
(T = 28, D = 28, H = 128).

- numpy: the chapter's reference `lstm_forward` / `lstm_backward`, loaded from
  solutions/10_recurrent/recurrent.ipynb (their only copy): one Python iteration per step;
- keras: `keras.layers.LSTM(return_sequences=True)` with the same weights (Keras's gate
  order is the chapter's: input, forget, candidate, output), forward and gradients from a
  `tf.GradientTape`, compiled with `tf.function`, on the CPU.

The two must agree on Hs and every gradient before anything is timed; the script stops if
they do not. Each round times one forward + backward of each, in alternating order; the
median over `--repeats` rounds is printed in milliseconds, with the NumPy/Keras ratio
measured in the same run. Deterministic inputs (seeded). `--threads N` gives both sides N
threads (OpenBLAS through threadpoolctl, TensorFlow's intra- and inter-op pools); on a busy
machine OpenBLAS's own threads wait on each other for small products, and one thread each
is the fair comparison there.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from dlbook.devices import quiet_tensorflow

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "solutions" / "10_recurrent" / "recurrent.ipynb"
SETTINGS = {  # name: (steps, inputs per step, hidden units)
    "digits by rows: T=28, D=28, H=32": (28, 28, 32),
    "wider: T=28, D=28, H=128": (28, 28, 128),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, help="threads for NumPy's BLAS and TensorFlow")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    quiet_tensorflow()
    import keras
    import tensorflow as tf

    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)

    from dlbook.previous import load_notebook_functions

    chapter = load_notebook_functions(NOTEBOOK)
    results = {}
    with tf.device("/CPU:0"):
        for name, (steps, n_in, n_hidden) in SETTINGS.items():
            rng = np.random.default_rng(10)
            X = rng.normal(size=(args.batch, steps, n_in)).astype(np.float32)
            h0 = rng.normal(size=(args.batch, n_hidden)).astype(np.float32)
            c0 = rng.normal(size=(args.batch, n_hidden)).astype(np.float32)
            Wx = (rng.normal(size=(n_in, 4 * n_hidden)) / np.sqrt(n_in)).astype(np.float32)
            Wh = (rng.normal(size=(n_hidden, 4 * n_hidden)) / np.sqrt(n_hidden)).astype(np.float32)
            b = rng.normal(size=4 * n_hidden).astype(np.float32)
            dHs = rng.normal(size=(args.batch, steps, n_hidden)).astype(np.float32)
            layer = keras.layers.LSTM(n_hidden, return_sequences=True, dtype="float32")
            layer.build((args.batch, steps, n_in))
            layer.set_weights([Wx, Wh, b])

            @tf.function
            def keras_step(x, h, c, upstream, layer=layer):
                with tf.GradientTape() as tape:
                    tape.watch([x, h, c])
                    out = layer(x, initial_state=[h, c])
                    probe = tf.reduce_sum(out * upstream)
                return out, tape.gradient(probe, [x, h, c, *layer.trainable_weights])

            def run_keras(X=X, h0=h0, c0=c0, dHs=dHs, keras_step=keras_step):
                out, grads = keras_step(tf.constant(X), tf.constant(h0), tf.constant(c0),
                                        tf.constant(dHs))
                return out.numpy(), [g.numpy() for g in grads]

            def run_numpy(X=X, h0=h0, c0=c0, Wx=Wx, Wh=Wh, b=b, dHs=dHs):
                Hs, cache = chapter.lstm_forward(X, h0, c0, Wx, Wh, b)
                return Hs, list(chapter.lstm_backward(dHs, cache))

            methods = {"numpy": run_numpy, "keras": run_keras}
            outputs = {method: run() for method, run in methods.items()}
            (ours, our_grads), (theirs, their_grads) = outputs["numpy"], outputs["keras"]
            for got, want in zip([ours, *our_grads], [theirs, *their_grads], strict=True):
                if not np.allclose(got, want, rtol=1e-3, atol=1e-3 * np.abs(want).max()):
                    print(f"{name}: the NumPy LSTM disagrees with Keras", file=sys.stderr)
                    return 1
            times = {method: [] for method in methods}
            order = list(methods)
            for round_ in range(args.repeats):
                for method in order[round_ % 2:] + order[:round_ % 2]:
                    start = time.perf_counter()
                    methods[method]()
                    times[method].append(time.perf_counter() - start)
            medians = {method: 1e3 * statistics.median(values) for method, values in times.items()}
            results[name] = {"batch": args.batch, "ms": medians,
                             "ratio_to_keras": {method: medians[method] / medians["keras"]
                                                for method in methods}}
            print(f"{name}, batch {args.batch}, forward + backward (median of {args.repeats}):")
            for method in methods:
                print(f"  {method:>6}: {medians[method]:9.2f} ms  "
                      f"({medians[method] / medians['keras']:6.2f} x Keras)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
