"""Where grades are kept: nbgrader's gradebook, plus a record of what was graded.

Scores go into nbgrader's own tables (so `nbgrader export`, the formgrader and any
SQLAlchemy URL nbgrader supports keep working). Beside them, the table
`dlbook_graded` remembers, for each learner and notebook, the SHA-256 of the file that
was graded and the full result. It is written last, after the scores, in its own
transaction: a run killed half-way leaves some notebooks without a record, and the
next run grades exactly those again, overwriting their scores in place, so no grade
is lost or duplicated.

The table `dlbook_not_graded` keeps what a run could not grade, and why: a learner's
notebook (malformed, refused, a grader failure), or a file no chapter or learner owns
(then `assignment` is '' and `notebook` is the file's label). A notebook's record goes
when it is graded, so the table always says what is still waiting; the files no chapter
owns are those of the last run. Both tables are made
by `metadata.create_all`, which adds the missing ones to an older gradebook and touches
nothing else. The class report (`autograder.report`) reads both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from nbgrader.api import Gradebook, MissingEntry

from autograder.results import Verdict

metadata = sa.MetaData()
graded = sa.Table(
    "dlbook_graded", metadata,
    sa.Column("student", sa.String(128), primary_key=True),
    sa.Column("assignment", sa.String(128), primary_key=True),
    sa.Column("notebook", sa.String(128), primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("result", sa.Text, nullable=False),
    sa.Column("graded_at", sa.DateTime, nullable=False),
)
not_graded = sa.Table(
    "dlbook_not_graded", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("student", sa.String(128), nullable=False),  # '' when no learner owns it
    sa.Column("assignment", sa.String(128), nullable=False),  # '' when no chapter does
    sa.Column("notebook", sa.Text, nullable=False),  # the notebook's name, or the file
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
)


@dataclass(frozen=True)
class Graded:
    """One graded notebook as the gradebook keeps it."""

    student: str
    assignment: str
    notebook: str
    verdict: Verdict
    graded_at: datetime


@dataclass(frozen=True)
class NotGraded:
    """One notebook (or file) the last run that saw it could not grade."""

    student: str
    assignment: str
    notebook: str
    reason: str
    recorded_at: datetime


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _same(table: sa.Table, student: str, assignment: str, notebook: str):
    return sa.and_(table.c.student == student, table.c.assignment == assignment,
                   table.c.notebook == notebook)


class GradeStore:
    """Reads and writes grades for one gradebook URL."""

    def __init__(self, db_url: str, course_id: str = "dlbook") -> None:
        self.db_url, self.course_id = db_url, course_id
        self.engine = sa.create_engine(db_url)
        metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def previous(self, student: str, assignment: str, notebook: str,
                 sha256: str) -> Verdict | None:
        """The stored verdict for this exact file, if it was graded before."""
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(graded.c.sha256, graded.c.result).where(
                _same(graded, student, assignment, notebook))).first()
        if row is None or row.sha256 != sha256:
            return None
        return Verdict.from_dict(json.loads(row.result))

    def save(self, student: str, assignment: str, notebook: str, sha256: str,
             verdict: Verdict) -> None:
        """Write the scores into nbgrader's gradebook, then record the file as graded."""
        with Gradebook(self.db_url, self.course_id) as gradebook:
            try:
                gradebook.find_student(student)
            except MissingEntry:
                gradebook.add_student(student)
            try:
                gradebook.find_submission(assignment, student)
            except MissingEntry:
                gradebook.add_submission(assignment, student)
            for outcome in verdict.outcomes:
                grade = gradebook.find_grade(outcome.grade_id, notebook, assignment, student)
                grade.auto_score = outcome.points
                grade.needs_manual_grade = False
            gradebook.db.commit()
        record = {"student": student, "assignment": assignment, "notebook": notebook,
                  "sha256": sha256, "graded_at": _now(), "result": json.dumps(asdict(verdict))}
        with self.engine.begin() as connection:
            connection.execute(graded.delete().where(
                _same(graded, student, assignment, notebook)))
            connection.execute(graded.insert().values(**record))
            connection.execute(not_graded.delete().where(
                _same(not_graded, student, assignment, notebook)))

    def record_run(self, graded_keys: Iterable[tuple[str, str, str]],
                   failures: Iterable[tuple[str, str, str, str]],
                   files: Iterable[tuple[str, str, str]] = ()) -> None:
        """After a run, in one transaction: forget the failures of notebooks now graded
        (`graded_keys`: (student, assignment, notebook), reused ones included); record
        the notebooks not graded (`failures`: (student, assignment, notebook, reason)),
        each replacing its earlier record; and replace the files no chapter owns with
        this run's (`files`: (student or '', label, reason))."""
        now = _now()
        with self.engine.begin() as connection:
            connection.execute(not_graded.delete().where(not_graded.c.assignment == ""))
            for student, assignment, notebook in graded_keys:
                connection.execute(not_graded.delete().where(
                    _same(not_graded, student, assignment, notebook)))
            for student, assignment, notebook, reason in failures:
                connection.execute(not_graded.delete().where(
                    _same(not_graded, student, assignment, notebook)))
                connection.execute(not_graded.insert().values(
                    student=student, assignment=assignment, notebook=notebook,
                    reason=reason, recorded_at=now))
            for student, label, reason in files:
                connection.execute(not_graded.insert().values(
                    student=student, assignment="", notebook=label, reason=reason,
                    recorded_at=now))

    def graded_notebooks(self) -> list[Graded]:
        """Every graded notebook, by student, chapter and notebook."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(
                graded.c.student, graded.c.assignment, graded.c.notebook, graded.c.result,
                graded.c.graded_at).order_by(graded.c.student, graded.c.assignment,
                                             graded.c.notebook)).all()
        return [Graded(row.student, row.assignment, row.notebook,
                       Verdict.from_dict(json.loads(row.result)), row.graded_at)
                for row in rows]

    def not_graded_notebooks(self) -> list[NotGraded]:
        """Every notebook or file still waiting to be graded, and why."""
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(
                not_graded.c.student, not_graded.c.assignment, not_graded.c.notebook,
                not_graded.c.reason, not_graded.c.recorded_at).order_by(
                not_graded.c.student, not_graded.c.assignment, not_graded.c.notebook)).all()
        return [NotGraded(*row) for row in rows]

    def scores(self, assignment: str, student: str) -> dict[str, float | None]:
        """grade_id -> score as nbgrader's gradebook holds it (for checks and reports)."""
        with Gradebook(self.db_url, self.course_id) as gradebook:
            submission = gradebook.find_submission(assignment, student)
            return {grade.name: grade.score for notebook in submission.notebooks
                    for grade in notebook.grades}
