"""Which floating-point kernels this process runs: OpenBLAS's core type and threads, and
NumPy's SIMD dispatch. The test suite prints it in its header, and the portability check
(tests/test_portability.py) reads it to prove that a configuration took effect.

    python -m autograder.kernels
"""

from __future__ import annotations

import numpy as np


def numpy_simd() -> dict[str, list[str]]:
    """NumPy's baseline SIMD features and the dispatched ones this CPU enables."""
    try:
        from numpy._core._multiarray_umath import (
            __cpu_baseline__,
            __cpu_dispatch__,
            __cpu_features__,
        )
    except ImportError:  # NumPy 1.x
        from numpy.core._multiarray_umath import (  # type: ignore[no-redef]
            __cpu_baseline__,
            __cpu_dispatch__,
            __cpu_features__,
        )
    return {"baseline": list(__cpu_baseline__),
            "dispatched": [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]}


def blas() -> list[dict]:
    """One entry per BLAS library NumPy loaded: its name, core type and thread count."""
    import threadpoolctl

    np.ones((2, 2)) @ np.ones((2, 2))  # make sure NumPy's BLAS is loaded
    return [{"library": info.get("internal_api"), "architecture": info.get("architecture"),
             "threads": info.get("num_threads")}
            for info in threadpoolctl.threadpool_info() if info.get("user_api") == "blas"]


def describe() -> str:
    """One line, e.g. 'OpenBLAS Haswell x2; NumPy 2.4.6 SIMD X86_V2 + X86_V3'."""
    libraries = ", ".join(f"{entry['library']} {entry['architecture']} x{entry['threads']}"
                          for entry in blas()) or "no BLAS found"
    simd = numpy_simd()
    dispatched = " + ".join(simd["dispatched"]) or "nothing dispatched"
    return (f"{libraries}; NumPy {np.__version__} SIMD {' '.join(simd['baseline'])} + "
            f"{dispatched}")


if __name__ == "__main__":
    print(describe())
