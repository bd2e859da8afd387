"""How fast is chapter 9's convolution? Loops against im2col against Keras Conv2D (CPU).

    python benchmarks/conv_speed.py [--batch 64] [--repeats 7] [--json results.json]

One convolutional layer of chapter 9's network, the second (3x3 kernel, 8 -> 16 channels,
padding 1, on 14 x 14 maps), and also the first (5x5, 1 -> 8, padding 2, 28 x 28), in
float32, forward and backward (dX, dK, db for an upstream gradient dY), three ways:

- loops: a Python loop over the output positions, one tensordot per window (forward) and
  two per window (backward), the layer written straight from the chapter's equations;
- im2col: the chapter's reference `conv2d_forward` / `conv2d_backward`, loaded from
  solutions/09_convolution/convolution.ipynb (their only copy);
- keras: `keras.layers.Conv2D` on the pre-padded input, forward and gradients from a
  `tf.GradientTape`, compiled with `tf.function`, on the CPU.

All three must agree on Y, dX, dK and db before anything is timed; the script stops if they
do not. Each round times one forward + backward of each method, in an order that rotates
between rounds; the median over `--repeats` rounds is printed in milliseconds, with the
ratios to Keras measured in the same run. Deterministic inputs (seeded).
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
NOTEBOOK = ROOT / "solutions" / "09_convolution" / "convolution.ipynb"
LAYERS = {  # name: (height and width, kernel size, channels in, channels out, padding)
    "conv2 3x3 8->16 on 14x14": (14, 3, 8, 16, 1),
    "conv1 5x5 1->8 on 28x28": (28, 5, 1, 8, 2),
}


def loops_forward_backward(X, K, b, dY, padding):
    """Y, then (dX, dK, db), with one Python iteration per output position."""
    kh, kw = K.shape[:2]
    Xp = np.pad(X, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    out_h, out_w = Xp.shape[1] - kh + 1, Xp.shape[2] - kw + 1
    Y = np.empty((X.shape[0], out_h, out_w, K.shape[3]), dtype=X.dtype)
    for i in range(out_h):
        for j in range(out_w):
            Y[:, i, j] = np.tensordot(Xp[:, i:i + kh, j:j + kw], K, axes=3) + b
    dXp, dK = np.zeros_like(Xp), np.zeros_like(K)
    for i in range(out_h):
        for j in range(out_w):
            dK += np.tensordot(Xp[:, i:i + kh, j:j + kw], dY[:, i, j], axes=([0], [0]))
            dXp[:, i:i + kh, j:j + kw] += np.tensordot(dY[:, i, j], K, axes=([1], [3]))
    H, W = X.shape[1:3]
    return Y, (dXp[:, padding:padding + H, padding:padding + W], dK, dY.sum(axis=(0, 1, 2)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    quiet_tensorflow()
    import keras
    import tensorflow as tf

    from dlbook.previous import load_notebook_functions

    chapter = load_notebook_functions(NOTEBOOK)
    results = {}
    with tf.device("/CPU:0"):
        for name, (size, k, c_in, c_out, padding) in LAYERS.items():
            rng = np.random.default_rng(9)
            X = rng.normal(size=(args.batch, size, size, c_in)).astype(np.float32)
            K = (rng.normal(size=(k, k, c_in, c_out)) / k).astype(np.float32)
            b = rng.normal(size=c_out).astype(np.float32)
            dY = rng.normal(size=(args.batch, size, size, c_out)).astype(np.float32)
            layer = keras.layers.Conv2D(c_out, k, padding="valid", dtype="float32")
            layer.build((args.batch, size + 2 * padding, size + 2 * padding, c_in))
            layer.set_weights([K, b])

            @tf.function
            def keras_step(padded, upstream, layer=layer):
                with tf.GradientTape() as tape:
                    tape.watch(padded)
                    out = layer(padded)
                    probe = tf.reduce_sum(out * upstream)
                return out, tape.gradient(probe, [padded, layer.kernel, layer.bias])

            def run_keras(X=X, dY=dY, padding=padding, keras_step=keras_step):
                padded = tf.constant(np.pad(X, ((0, 0), (padding,) * 2, (padding,) * 2,
                                                (0, 0))))
                out, (d_padded, d_kernel, d_bias) = keras_step(padded, tf.constant(dY))
                H = X.shape[1]
                return out.numpy(), (d_padded.numpy()[:, padding:padding + H,
                                                      padding:padding + H],
                                     d_kernel.numpy(), d_bias.numpy())

            def run_im2col(X=X, K=K, b=b, dY=dY, padding=padding):
                Y, cache = chapter.conv2d_forward(X, K, b, padding=padding)
                return Y, chapter.conv2d_backward(dY, cache)

            def run_loops(X=X, K=K, b=b, dY=dY, padding=padding):
                return loops_forward_backward(X, K, b, dY, padding)

            methods = {"loops": run_loops, "im2col": run_im2col, "keras": run_keras}
            outputs = {method: run() for method, run in methods.items()}
            for method in ("loops", "im2col"):
                got, want = outputs[method], outputs["keras"]
                for a, w in zip([got[0], *got[1]], [want[0], *want[1]], strict=True):
                    if not np.allclose(a, w, rtol=1e-3, atol=1e-3 * np.abs(w).max()):
                        print(f"{name}: {method} disagrees with Keras", file=sys.stderr)
                        return 1
            times = {method: [] for method in methods}
            order = list(methods)
            for round_ in range(args.repeats):
                for method in order[round_ % 3:] + order[:round_ % 3]:
                    start = time.perf_counter()
                    methods[method]()
                    times[method].append(time.perf_counter() - start)
            medians = {method: 1e3 * statistics.median(values) for method, values in times.items()}
            results[name] = {"batch": args.batch, "ms": medians,
                             "ratio_to_keras": {method: medians[method] / medians["keras"]
                                                for method in methods}}
            print(f"{name}, batch {args.batch}, forward + backward (median of {args.repeats}):")
            for method in methods:
                print(f"  {method:>7}: {medians[method]:9.2f} ms  "
                      f"({medians[method] / medians['keras']:6.2f} x Keras)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
