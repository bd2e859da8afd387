"""Measure chapter 10's two tasks over several seeds (the numbers its reference test holds).

    python tools/measure_recurrent.py [--seeds 1 2 3 4 5] [--lengths 10 20 40 80] [--json out.json]

The chapter's notebook trains each network once (seed 0); the text quotes the spread over
other seeds, which this script measures with the notebook's own recipes, loaded from
solutions/10_recurrent/recurrent.ipynb (their only copy):

- the recall task: `recall_accuracy(kind, steps, seed)` for the RNN and the LSTM at every
  length, the held-out accuracy after twelve epochs;
- the digits read row by row: `train_digit_lstm(train, seed)`, the held-out accuracy.

It prints one line per run and, at the end, the results as a Python dict to paste into
tests/test_chapter10_reference.py. Several minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from dlbook.data import load_mnist
from dlbook.previous import load_notebook_functions

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "solutions" / "10_recurrent" / "recurrent.ipynb"


def digit_accuracy(chapter, seed: int) -> float:
    """Held-out accuracy of the chapter's digit LSTM trained with `seed`."""
    train, test = load_mnist()
    params, _history = chapter.train_digit_lstm(train, seed)
    logits = chapter.last_state_logits("lstm", params, test.X.reshape(-1, 28, 28))[0]
    return float(np.mean(np.argmax(logits, axis=1) == test.y))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--lengths", type=int, nargs="+", default=[10, 20, 40, 80])
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    chapter = load_notebook_functions(NOTEBOOK)
    results: dict = {"recall": {"rnn": {}, "lstm": {}}, "digits_lstm": []}
    for steps in args.lengths:
        for kind in ("rnn", "lstm"):
            accuracies = []
            for seed in args.seeds:
                start = time.perf_counter()
                accuracy, _history = chapter.recall_accuracy(kind, steps, seed)
                accuracies.append(round(accuracy, 3))
                print(f"recall T={steps:>3} {kind:>4} seed {seed}: {accuracy:.3f} "
                      f"({time.perf_counter() - start:.1f} s)", flush=True)
            results["recall"][kind][steps] = accuracies
    for seed in args.seeds:
        start = time.perf_counter()
        accuracy = digit_accuracy(chapter, seed)
        results["digits_lstm"].append(round(accuracy, 3))
        print(f"digits LSTM seed {seed}: {accuracy:.3f} ({time.perf_counter() - start:.1f} s)",
              flush=True)
    print(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
