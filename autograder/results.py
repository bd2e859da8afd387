"""What grading produces: one test cell's outcome, a notebook's verdict, a CSV row.

Plain data only: the gradebook, the feedback pages, the CSV and the learner's check
use these without importing the sandboxing engine (`autograder.judge`,
`autograder.sandbox`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

CSV_COLUMNS = ["student", "assignment", "notebook", "status", "score", "max_score",
               "exercises", "reason"]


@dataclass
class Outcome:
    """The result of one test cell."""

    grade_id: str
    label: str
    points: float
    max_points: float
    message: str = ""
    visible: bool = False  # the visible part of the test passed (what the check scores)
    diagnosis: str = ""  # the hint of the catalogued mistake the answer matches ('' if none)

    @property
    def visible_points(self) -> float:
        """The points on the visible tests alone (what `autograder.check` reports)."""
        return self.max_points if self.visible else 0.0


@dataclass
class Verdict:
    """Everything the judge found about one submission."""

    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # tampering and crashes, for the feedback
    seconds: float = 0.0
    skipped: int = 0  # demonstration cells not run (autograder.demonstrations)

    @property
    def score(self) -> float:
        return sum(outcome.points for outcome in self.outcomes)

    @property
    def skipped_line(self) -> str:
        """The one line feedback and the check print about skipped cells ('' if none)."""
        if not self.skipped:
            return ""
        cells = "cell was" if self.skipped == 1 else "cells were"
        return (f"{self.skipped} demonstration {cells} not run: unchanged from the course's "
                "notebook, they only show things (figures, training runs, tables) and no "
                "test uses them")

    @classmethod
    def from_dict(cls, data: dict) -> Verdict:
        return cls([Outcome(**outcome) for outcome in data["outcomes"]], list(data["notes"]),
                   float(data["seconds"]), int(data.get("skipped", 0)))


@dataclass
class Row:
    """One line of grades.csv: a learner's notebook and what became of it."""

    student: str
    assignment: str
    notebook: str
    status: str  # "graded" or "not graded"
    score: float | None = None
    max_score: float | None = None
    exercises: str = ""
    reason: str = ""
    label: str = ""
    verdict: Verdict | None = None
    reused: bool = False  # graded in an earlier run, file unchanged

    def as_csv(self) -> dict:
        def points(value: float | None) -> str:
            return "" if value is None else f"{value:g}"

        return {"student": self.student, "assignment": self.assignment,
                "notebook": self.notebook, "status": self.status, "score": points(self.score),
                "max_score": points(self.max_score), "exercises": self.exercises,
                "reason": self.reason}
