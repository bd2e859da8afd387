"""Helpers shared by the probe builders."""

from __future__ import annotations

import numpy as np


def rng(seed: int) -> np.random.Generator:
    """A generator seeded with `seed`: every probe is the same in every run."""
    return np.random.default_rng(seed)


def calls(*args_list) -> list:
    """Single-argument calls: [((a,), {}), ...]."""
    return [((args,), {}) for args in args_list]


def mlp_params(seed: int, sizes: list[int], dtype=np.float64) -> list:
    """Random [(W, b), ...] for layer sizes `sizes`: W (n_in, n_out), b (n_out,)."""
    generator = rng(seed)
    return [(generator.normal(size=(n_in, n_out)).astype(dtype),
             generator.normal(size=n_out).astype(dtype))
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]
