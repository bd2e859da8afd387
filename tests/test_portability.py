"""The course's numbers on other floating-point kernels of the same machine.

Every output nbval compares, every reference test and every catalogued wrong answer must
give the same verdict on any CPU the course supports (x86-64 at any OpenBLAS kernel and
NumPy SIMD level, any thread count; arm64 by the same reasoning: different kernels differ
only in the order and fusing of their roundings). `make test` runs them on the detected
kernels with all threads; this module runs them again in fresh processes under the
configurations below, each of which changes how sums and products are rounded:

- pre-AVX: OpenBLAS's oldest SSE kernels (`OPENBLAS_CORETYPE=Prescott`, which this
  OpenBLAS runs as Katmai), NumPy's SIMD dispatch lowered to its baseline
  (`NPY_DISABLE_CPU_FEATURES`), one BLAS thread;
- another AVX kernel: Haswell where the detected core is something else (SkylakeX on an
  AVX-512 machine), else Sandybridge (AVX without fused multiply-add), all threads.

Each run's header line names the kernels it really ran (autograder.kernels), and the test
checks that they are the requested ones before it reads the verdicts. Only what prints or
compares floating-point numbers runs here: nbval of every instructor notebook, the
chapters' reference tests and the wrong-answer catalogue, except chapter 8's (TensorFlow's
kernels do not follow these settings). The demonstrations whose output
nbval does not compare (`nbval-ignore-output`), and that no other cell reads from, are
not run here (tests/conftest.py, `DLBOOK_NBVAL_COMPARED_ONLY`): their numbers are the
reference tests' business.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from autograder.course import ROOT
from autograder.kernels import blas, numpy_simd

# Chapter 8 computes with TensorFlow, whose CPU kernels (Eigen; oneDNN is off) these
# settings do not change: its notebook, reference tests and catalogue entries would only
# repeat the main run. Chapters 9 and 10 stay: Keras is their tests' reference, and their
# own code is NumPy.
TENSORFLOW_CHAPTERS = ["08_capstone"]
NUMERICAL = [*sorted(str(path.parent.relative_to(ROOT))
                     for path in (ROOT / "solutions").glob("*/*.ipynb")
                     if path.parent.name not in TENSORFLOW_CHAPTERS),
             *sorted(str(path.relative_to(ROOT))
                     for path in (ROOT / "tests").glob("test_chapter*_reference.py")
                     if not any(f"test_chapter{chapter[:2]}_" in path.name
                                for chapter in TENSORFLOW_CHAPTERS)),
             "tests/test_wrong_answers.py",
             "-k", " and ".join(f"not {chapter}" for chapter in TENSORFLOW_CHAPTERS)]


def _configurations() -> dict[str, dict[str, str]]:
    if platform.machine() not in ("x86_64", "AMD64"):
        return {}
    detected = (blas() or [{}])[0].get("architecture")
    other_avx = "Haswell" if detected != "Haswell" else "Sandybridge"
    return {
        "pre-AVX, NumPy baseline, 1 thread": {
            "OPENBLAS_CORETYPE": "Prescott", "OPENBLAS_NUM_THREADS": "1",
            "NPY_DISABLE_CPU_FEATURES": " ".join(numpy_simd()["dispatched"])},
        f"{other_avx}, all threads": {"OPENBLAS_CORETYPE": other_avx},
    }


CONFIGURATIONS = _configurations()


def test_every_extra_configuration_is_a_different_kernel():
    """The check means something only where the configurations change the kernels."""
    if not CONFIGURATIONS:
        pytest.skip(f"OpenBLAS core types are chosen by name on x86-64 only, not "
                    f"{platform.machine()}")
    assert "Prescott" in {env["OPENBLAS_CORETYPE"] for env in CONFIGURATIONS.values()}
    assert len({env["OPENBLAS_CORETYPE"] for env in CONFIGURATIONS.values()}) == 2


@pytest.mark.parametrize("name", list(CONFIGURATIONS))
def test_the_numbers_hold_on_other_kernels(name):
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("PYTEST_", "OPENBLAS_", "NPY_", "OMP_"))}
    environment.update(CONFIGURATIONS[name], DLBOOK_NBVAL_COMPARED_ONLY="1")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-q", "--no-header", "-rf",
         "-o", "console_output_style=classic", *NUMERICAL],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=1500)
    # --no-header hides the header; ask the same process's kernels another way.
    probe = subprocess.run([sys.executable, "-m", "autograder.kernels"], cwd=ROOT,
                           env=environment, capture_output=True, text=True, timeout=120)
    kernels = probe.stdout.strip()
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "no output"
    print(f"{name}: {kernels}: {summary}")
    wanted = environment["OPENBLAS_CORETYPE"]
    ran = {"Prescott": "Katmai"}.get(wanted, wanted)
    assert f"openblas {ran} " in kernels or f"openblas {wanted} " in kernels, (
        f"asked for {wanted} kernels, the run used: {kernels}")
    if "NPY_DISABLE_CPU_FEATURES" in CONFIGURATIONS[name]:
        assert "nothing dispatched" in kernels, kernels
    if "OPENBLAS_NUM_THREADS" in CONFIGURATIONS[name]:
        assert " x1;" in kernels, kernels
    assert result.returncode == 0, (
        f"under {name} ({kernels}) the numerical tests failed:\n"
        + "\n".join(result.stdout.splitlines()[-60:]) + result.stderr[-2000:])
