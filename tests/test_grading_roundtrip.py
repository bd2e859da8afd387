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


def test_one_wrong_exercise_loses_its_points_and_no_unrelated_ones(graded):
    """A wrong answer loses that exercise's points. Exercises whose reference answer calls
    the wrong function (directly or not) may lose theirs too; no other exercise may."""
    source, rows, _ = graded
    points = {exercise["grade_id"]: exercise["points"] for exercise in exercises(source)}
    assert rows["reference"].max_score == sum(points.values())
    for exercise in exercises(source):
        row = rows[f"wrong-{exercise['grade_id']}"]
        assert row.status == "graded", row.reason
        scored = {outcome.grade_id: outcome.points for outcome in row.verdict.outcomes}
        may_fail = {f"test_{grade_id}"
                    for grade_id in dependents(source, exercise["function"])}
        assert scored[exercise["test_id"]] == 0, (
            f"a wrong {exercise['function']} should lose its points ({row.exercises})")
        for test_id, score in scored.items():
            if test_id != exercise["test_id"] and test_id not in may_fail:
                assert score == points[test_id.removeprefix("test_")], (
                    f"a wrong {exercise['function']} should not cost {test_id} "
                    f"({row.exercises})")
