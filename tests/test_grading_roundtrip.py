"""For every chapter: the reference scores full marks, the untouched learner notebook
scores 0 and is still graded, and one wrong exercise costs exactly its points."""

from __future__ import annotations

import nbformat
import pytest
from notebook_tools import dependents, exercises, filled_in, read

from autograder.course import course_notebooks
from autograder.grade import grade_paths

NOTEBOOKS = course_notebooks()


def write(folder, student, notebook, content):
    path = folder / student / notebook.filename
    path.parent.mkdir(parents=True)
    nbformat.write(content, path)


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=[nb.assignment for nb in NOTEBOOKS])
def graded(request, tmp_path_factory):
    """Grade the reference, the blank notebook and one wrong variant per exercise."""
    course_notebook = request.param
    tmp_path = tmp_path_factory.mktemp(course_notebook.assignment)
    grading_area = {"work_dir": tmp_path / "work", "out_dir": tmp_path / "results",
                    "db_url": f"sqlite:///{tmp_path / 'gradebook.db'}"}
    source, learner = read(course_notebook.source), read(course_notebook.release)
    folder = tmp_path / "submissions"
    write(folder, "reference", course_notebook, filled_in(learner, source))
    write(folder, "blank", course_notebook, learner)
    for exercise in exercises(source):
        student = f"wrong-{exercise['grade_id']}"
        write(folder, student, course_notebook,
              filled_in(learner, source, wrong=exercise["grade_id"]))
    report = grade_paths([folder], **grading_area)
    return source, {row.student: row for row in report.rows}, report


def test_reference_scores_full_marks(graded):
    _, rows, report = graded
    assert report.failed == []
    row = rows["reference"]
    assert row.status == "graded" and row.score == row.max_score > 0, row


def test_untouched_learner_notebook_scores_zero_but_is_graded(graded):
    _, rows, _ = graded
    assert rows["blank"].status == "graded", rows["blank"].reason
    assert rows["blank"].score == 0


def test_one_wrong_exercise_loses_exactly_its_points(graded):
    source, rows, _ = graded
    points = {exercise["grade_id"]: exercise["points"] for exercise in exercises(source)}
    full = sum(points.values())
    assert rows["reference"].max_score == full
    for exercise in exercises(source):
        # A wrong function also fails the exercises whose reference answer calls it.
        lost = points[exercise["grade_id"]] + sum(
            points[other] for other in dependents(source, exercise["function"]))
        row = rows[f"wrong-{exercise['grade_id']}"]
        assert row.status == "graded", row.reason
        assert row.score == full - lost, (
            f"a wrong {exercise['function']} should score {full - lost}, got {row.score} "
            f"({row.exercises})")
