"""benchmarks/tf_layers.py runs end to end with tiny settings (no timing assertions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dlbook.devices import TENSORFLOW_QUIET

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "tf_layers.py"

pytest.importorskip("tensorflow")
pytest.importorskip("keras")


def test_benchmark_runs_and_writes_json(tmp_path):
    output = tmp_path / "results.json"
    env = {**os.environ, **TENSORFLOW_QUIET}
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--repeats", "1", "--steps", "2", "--batch-sizes", "8",
         "--json", str(output)],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "/CPU:0" in completed.stdout

    results = json.loads(output.read_text())
    assert results["header"]["tensorflow"] and results["header"]["keras"]
    cpu = [r for r in results["results"] if r["device"] == "/CPU:0" and r["batch_size"] == 8]
    assert len(cpu) == 1, results["results"]
    row = cpu[0]
    assert row["custom_ms"] > 0 and row["keras_ms"] > 0
    assert row["ratio"] > 0 and isinstance(row["within_5pct"], bool)
    assert row["custom_samples_per_s"] > 0 and row["keras_samples_per_s"] > 0
    assert row["tracing_counts"] == {"custom": 1, "keras": 1}, "a step was retraced"


def test_gpu_speedup_is_cpu_time_over_gpu_time_per_batch_and_compilation():
    """The GPU rows never run here (no GPU), so their arithmetic is checked on made-up
    numbers: speed-up = CPU ms / GPU ms for the same batch size and compilation."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("tf_layers", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)

    def row(device, batch, jit, custom, keras):
        return {"device": device, "batch_size": batch, "jit": jit, "custom_ms": custom,
                "keras_ms": keras}

    results = [row("/CPU:0", 64, False, 1.0, 0.9), row("/CPU:0", 1024, False, 8.0, 8.0),
               row("/GPU:0", 64, False, 0.5, 0.3), row("/GPU:0", 1024, False, 0.2, 0.25),
               row("/GPU:0", 1024, True, 0.1, 0.1)]  # no CPU row with jit: no speed-up
    assert bench.speedups(results) == [
        {"device": "/GPU:0", "batch_size": 64, "jit": False, "custom": 2.0, "keras": 3.0},
        {"device": "/GPU:0", "batch_size": 1024, "jit": False, "custom": 40.0, "keras": 32.0}]
    assert bench.speedups(results[:2]) == [], "no GPU, no speed-up rows"
