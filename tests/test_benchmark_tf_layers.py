"""benchmarks/tf_layers.py runs end to end with tiny settings (no timing assertions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "tf_layers.py"

pytest.importorskip("tensorflow")
pytest.importorskip("keras")


def test_benchmark_runs_and_writes_json(tmp_path):
    output = tmp_path / "results.json"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}
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
