"""Probe inputs per exercise, chosen to tell the catalogued mistakes apart (autograder.diagnosis).

`PROBES[assignment][grade_id]` is a `Probes(function, build)`; `build(ref)` returns the
calls `(args, kwargs)` made on the learner's function, deterministic (seeded generators),
built from the chapter's reference namespace `ref` where a probe needs a cache made by the
reference's forward pass. None of them is a hidden test's input. Chapter 8 (TensorFlow) has
none: its learner functions take or return Keras objects and TensorFlow functions, which
cannot cross the sandbox's wire (only plain arrays and numbers do).
"""

from __future__ import annotations

from autograder.diagnosis import Probes
from autograder.probes import chapters_1_5, chapters_6_7, chapters_9_10

PROBES: dict[str, dict[str, Probes]] = {
    **chapters_1_5.PROBES, **chapters_6_7.PROBES, **chapters_9_10.PROBES}
