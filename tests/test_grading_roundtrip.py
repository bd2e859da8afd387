"""For every chapter: the reference scores full marks, the untouched learner notebook
scores 0 and is still graded, and wrong exercises cost exactly their points.

Each chapter's exercises are split in two halves (alternate exercises); one notebook has
the first half wrong, another the second, so every exercise is graded wrong once and
right beside wrong neighbours. The wrong-answer catalogue (tests/test_wrong_answers.py)
tests each exercise against its plausible mistakes; this file tests the sandboxed
grader's bookkeeping on whole notebooks.
"""

from __future__ import annotations

import nbformat
import pytest
from notebook_tools import calls_in_tests, dependents, exercises, filled_in, read

from autograder.course import course_notebooks
from autograder.grade import grade_paths

NOTEBOOKS = course_notebooks()
HALVES = 2


def write(folder, student, notebook, content):
    path = folder / student / notebook.filename
    path.parent.mkdir(parents=True)
    nbformat.write(content, path)


def wrong_halves(source) -> dict[str, list[str]]:
    """learner name -> the grade_ids answered wrong in that learner's notebook."""
    ids = [exercise["grade_id"] for exercise in exercises(source)]
    return {f"wrong-half{half}": ids[half::HALVES] for half in range(HALVES)}


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=[nb.assignment for nb in NOTEBOOKS])
def graded(request, tmp_path_factory):
    """Grade the reference, the blank notebook and the two half-wrong notebooks."""
    course_notebook = request.param
    tmp_path = tmp_path_factory.mktemp(course_notebook.assignment)
    grading_area = {"work_dir": tmp_path / "work", "out_dir": tmp_path / "results",
                    "db_url": f"sqlite:///{tmp_path / 'gradebook.db'}"}
    source, learner = read(course_notebook.source), read(course_notebook.release)
    folder = tmp_path / "submissions"
    write(folder, "reference", course_notebook, filled_in(learner, source))
    write(folder, "blank", course_notebook, learner)
    for student, wrong in wrong_halves(source).items():
        write(folder, student, course_notebook, filled_in(learner, source, wrong=wrong))
    report = grade_paths([folder], **grading_area)
    # The first half-wrong notebook once more with every cell run (`--run-demonstrations`):
    # the unchanged demonstrations skipped above must not have changed a single point.
    again = tmp_path / "all-cells"
    write(again, "wrong-half0", course_notebook, filled_in(
        learner, source, wrong=wrong_halves(source)["wrong-half0"]))
    all_cells = grade_paths([again], again.parent / "all-results", again.parent / "all-work",
                            db_url=f"sqlite:///{tmp_path / 'all-cells.db'}",
                            skip_demonstrations=False)
    return source, {row.student: row for row in report.rows}, report, all_cells


def test_reference_scores_full_marks(graded):
    _, rows, report, _ = graded
    assert report.failed == []
    row = rows["reference"]
    assert row.status == "graded" and row.score == row.max_score > 0, row


def test_untouched_learner_notebook_scores_zero_but_is_graded(graded):
    _, rows, _, _ = graded
    assert rows["blank"].status == "graded", rows["blank"].reason
    assert rows["blank"].score == 0


def test_wrong_exercises_lose_their_points_and_no_unrelated_ones(graded):
    """A wrong answer loses that exercise's points. Exercises whose reference answer calls
    a wrong function (directly or not), or whose test calls one, may lose theirs too; no
    other exercise may."""
    source, rows, _, _ = graded
    found = {exercise["grade_id"]: exercise for exercise in exercises(source)}
    points = {grade_id: exercise["points"] for grade_id, exercise in found.items()}
    assert rows["reference"].max_score == sum(points.values())
    halves = wrong_halves(source)
    assert sorted(sum(halves.values(), [])) == sorted(found), "every exercise wrong once"
    for student, wrong in halves.items():
        row = rows[student]
        assert row.status == "graded", row.reason
        scored = {outcome.grade_id: outcome.points for outcome in row.verdict.outcomes}
        may_fail = {f"test_{grade_id}" for name in wrong
                    for grade_id in dependents(source, found[name]["function"])}
        # ... and so may a test that calls a wrong function itself, or one of those.
        callers = {found[name]["function"] for name in wrong} | {
            found[grade_id]["function"] for grade_id in
            (grade[len("test_"):] for grade in may_fail) if grade_id in found}
        may_fail |= calls_in_tests(source, callers)
        for name in wrong:
            assert scored[f"test_{name}"] == 0, (
                f"a wrong {found[name]['function']} should lose its points ({row.exercises})")
        for test_id, score in scored.items():
            grade_id = test_id.removeprefix("test_")
            if grade_id not in wrong and test_id not in may_fail:
                assert score == points[grade_id], (
                    f"wrong answers to {wrong} should not cost {test_id} ({row.exercises})")


def test_skipping_demonstrations_changes_no_point(graded):
    """Issue 21: a notebook scores the same whether its unchanged demonstrations run or not
    (half its answers right, half wrong, so passes and failures are both compared)."""
    source, rows, _, all_cells = graded
    skipped, everything = rows["wrong-half0"], all_cells.rows[0]
    assert everything.status == skipped.status == "graded", (everything.reason, skipped.reason)
    assert everything.verdict.skipped == 0
    has_demonstrations = any("demonstration" in cell.metadata.get("tags", [])
                             for cell in source.cells)
    assert (skipped.verdict.skipped > 0) == has_demonstrations, skipped.verdict.skipped
    points = {outcome.grade_id: outcome.points for outcome in skipped.verdict.outcomes}
    assert points == {outcome.grade_id: outcome.points
                      for outcome in everything.verdict.outcomes}
