"""The class report's numbers, computed from what the gradebook keeps.

Plain data in, plain data out (no HTML, no plots): `autograder.report` lays them out,
`autograder.report_plots` draws them. Everything comes from the gradebook's records
(`autograder.gradebook.Graded`, `NotGraded`), so a resumed or distributed run gives the
same report as one run that graded everything.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from autograder.gradebook import Graded, NotGraded
from autograder.results import Verdict

# What a verdict says when the notebook used up its time budget ("ran out of time",
# `autograder.sandbox`) or a call of a learner function its own limit ("took longer
# than", `autograder.worker`; a hidden test says only that it raised TimeoutError), in a
# note or an outcome's message.
TIME_OUT_MARKS = ("ran out of time", "took longer than", "raised TimeoutError")
TOP_MISTAKES = 3  # diagnosed mistakes listed per exercise


@dataclass
class Exercise:
    """How the class did on one test cell of one chapter."""

    assignment: str
    grade_id: str
    label: str
    graded: int = 0  # notebooks graded that have this test cell
    passed: int = 0  # of those, with all its points
    mistakes: Counter = field(default_factory=Counter)  # diagnosis hint -> failures

    @property
    def failed(self) -> int:
        return self.graded - self.passed

    @property
    def rate(self) -> float:
        """The share of graded notebooks that passed, in [0, 1]."""
        return self.passed / self.graded if self.graded else 0.0

    @property
    def diagnosed(self) -> int:
        return sum(self.mistakes.values())

    def top_mistakes(self, count: int = TOP_MISTAKES) -> list[tuple[str, int]]:
        """The most frequent diagnoses, most frequent first (ties by text)."""
        return sorted(self.mistakes.items(), key=lambda item: (-item[1], item[0]))[:count]


@dataclass(frozen=True)
class TimeOut:
    """A graded notebook that ran out of time somewhere (its note or test message)."""

    student: str
    assignment: str
    notebook: str
    where: str


def exercises(graded: list[Graded]) -> list[Exercise]:
    """One `Exercise` per (chapter, test cell), by chapter, then in notebook order."""
    found: dict[tuple[str, str], Exercise] = {}
    for record in sorted(graded, key=lambda r: r.assignment):
        for outcome in record.verdict.outcomes:
            key = (record.assignment, outcome.grade_id)
            exercise = found.setdefault(key, Exercise(record.assignment, outcome.grade_id,
                                                      outcome.label))
            exercise.graded += 1
            if outcome.points >= outcome.max_points:
                exercise.passed += 1
            elif outcome.diagnosis:
                exercise.mistakes[outcome.diagnosis] += 1
    return list(found.values())


def percent(verdict: Verdict) -> float | None:
    """The notebook's score in percent of its maximum (None for a notebook of no points)."""
    top = sum(outcome.max_points for outcome in verdict.outcomes)
    return 100.0 * verdict.score / top if top else None


def scores_by_chapter(graded: list[Graded]) -> dict[str, np.ndarray]:
    """Chapter -> its notebooks' scores in percent, shape (notebooks,), chapters sorted."""
    scores: dict[str, list[float]] = {}
    for record in graded:
        value = percent(record.verdict)
        if value is not None:
            scores.setdefault(record.assignment, []).append(value)
    return {chapter: np.array(scores[chapter]) for chapter in sorted(scores)}


def seconds_by_chapter(graded: list[Graded]) -> dict[str, np.ndarray]:
    """Chapter -> the seconds each of its notebooks took to grade, shape (notebooks,)."""
    seconds: dict[str, list[float]] = {}
    for record in graded:
        seconds.setdefault(record.assignment, []).append(record.verdict.seconds)
    return {chapter: np.array(seconds[chapter]) for chapter in sorted(seconds)}


def time_outs(graded: list[Graded]) -> list[TimeOut]:
    """The graded notebooks that ran out of time, with the first place that says so."""
    found = []
    for record in graded:
        texts = record.verdict.notes + [outcome.message for outcome in record.verdict.outcomes]
        where = next((text for text in texts
                      if any(mark in text for mark in TIME_OUT_MARKS)), None)
        if where is not None:
            found.append(TimeOut(record.student, record.assignment, record.notebook, where))
    return found


def still_graded(graded: list[Graded], failures: list[NotGraded]) -> set[tuple[str, str, str]]:
    """The not-graded notebooks that keep an earlier grade (a later copy failed)."""
    keys = {(record.student, record.assignment, record.notebook) for record in graded}
    return {(f.student, f.assignment, f.notebook) for f in failures} & keys
