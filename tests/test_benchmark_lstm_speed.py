"""benchmarks/lstm_speed.py runs end to end with tiny settings (no timing assertions)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dlbook.devices import TENSORFLOW_QUIET

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "lstm_speed.py"

pytest.importorskip("tensorflow")
pytest.importorskip("keras")


def test_benchmark_agrees_with_keras_and_writes_ratios(tmp_path):
    output = tmp_path / "results.json"
    env = {**os.environ, **TENSORFLOW_QUIET}
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--batch", "2", "--repeats", "1", "--json", str(output)],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert completed.returncode == 0, completed.stderr[-2000:]
    results = json.loads(output.read_text())
    assert len(results) == 2
    for setting in results.values():
        assert set(setting["ratio_to_keras"]) == {"numpy", "keras"}
        assert setting["ratio_to_keras"]["keras"] == 1.0
