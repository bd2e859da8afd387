"""Where grades are kept: nbgrader's gradebook, plus a record of what was graded.

Scores go into nbgrader's own tables (so `nbgrader export`, the formgrader and any
SQLAlchemy URL nbgrader supports keep working). Beside them, the table
`dlbook_graded` remembers, for each learner and notebook, the SHA-256 of the file that
was graded and the full result. It is written last, after the scores, in its own
transaction: a run killed half-way leaves some notebooks without a record, and the
next run grades exactly those again, overwriting their scores in place, so no grade
is lost or duplicated.
"""

from __future__ import annotations

import json
from dataclasses import asdict
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
                graded.c.student == student, graded.c.assignment == assignment,
                graded.c.notebook == notebook)).first()
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
                  "sha256": sha256, "graded_at": datetime.now(UTC).replace(tzinfo=None),
                  "result": json.dumps(asdict(verdict))}
        with self.engine.begin() as connection:
            connection.execute(graded.delete().where(
                graded.c.student == student, graded.c.assignment == assignment,
                graded.c.notebook == notebook))
            connection.execute(graded.insert().values(**record))

    def scores(self, assignment: str, student: str) -> dict[str, float | None]:
        """grade_id -> score as nbgrader's gradebook holds it (for checks and reports)."""
        with Gradebook(self.db_url, self.course_id) as gradebook:
            submission = gradebook.find_submission(assignment, student)
            return {grade.name: grade.score for notebook in submission.notebooks
                    for grade in notebook.grades}
