"""Wrong answers that are NOT in the catalogue, to measure the diagnosis honestly.

Kept apart from the catalogue (autograder/mistakes/) and never used to choose the probes
(autograder/probes.py): written after the probes, and not changed to fit them. Each
`Unseen(assignment, exercise, expect, source)` names the catalogued mistake it makes
(`expect`, the start of that entry's `mistake`), or None where no catalogued mistake
applies (then the right diagnosis is none). `RIGHT` lists right answers written
differently from the reference: they pass the tests and must get no diagnosis.
tests/test_diagnosis_unseen.py runs them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unseen:
    assignment: str
    exercise: str
    expect: str | None  # the catalogued mistake it makes (its start), or None
    source: str
