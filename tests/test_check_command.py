"""The learner's local check: exits 0 only when every visible test passes, and scores the
visible tests exactly as the grader does."""

from __future__ import annotations

import copy

import nbformat
from notebook_tools import filled_in, read, solution_cells, without_markers

from autograder.check import main, run_checks
from autograder.course import course_notebooks
from autograder.grade import grade_paths
from autograder.sandbox import bwrap_available

NOTEBOOK = course_notebooks()[0]


def test_a_finished_notebook_passes(tmp_path, capsys):
    path = tmp_path / NOTEBOOK.filename
    nbformat.write(filled_in(read(NOTEBOOK.release), read(NOTEBOOK.source)), path)
    before = path.read_bytes()
    assert main([str(path)]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "All visible tests pass" in out
    assert path.read_bytes() == before, "the check must not change the learner's file"


def test_an_unfinished_notebook_fails_with_a_readable_summary(capsys):
    assert main([str(NOTEBOOK.release)]) == 1
    out = capsys.readouterr().out
    assert "Exercise 1.1" in out and "FAILED" in out and "NotImplementedError" in out
    assert "Score on the visible tests: 0/" in out


def test_one_wrong_exercise_is_named(tmp_path, capsys):
    source = read(NOTEBOOK.source)
    path = tmp_path / NOTEBOOK.filename
    nbformat.write(filled_in(read(NOTEBOOK.release), source, wrong="ex1_5_relu"), path)
    assert main([str(path)]) == 1
    out = capsys.readouterr().out
    assert "1 exercise(s) to fix: Exercise 1.5." in out
    assert "Exercise 1.5:" in out, "the failing test's own message should be shown"


def test_unreadable_input_is_reported(tmp_path, capsys):
    bad = tmp_path / "neuron.ipynb"
    bad.write_text("not json")
    assert main([str(bad)]) == 2
    assert "not valid JSON" in capsys.readouterr().out
    assert main([str(tmp_path / "missing.ipynb")]) == 2


NAIVE_SIGMOID = '''
def sigmoid(z):
    z = np.asarray(z)
    return 1.0 / (1.0 + np.exp(-z))  # exp(1000) overflows: a RuntimeWarning
'''


def variants() -> dict[str, nbformat.NotebookNode]:
    """Notebooks on which a check that ran the kernel as is, and the grader, disagreed
    (or could): warnings silenced with np.seterr, an edited copy of a test cell, a
    function that fails only the hidden tests."""
    learner, source = read(NOTEBOOK.release), read(NOTEBOOK.source)
    reference = filled_in(learner, source)

    def changed(grade_id: str, code: str, base=reference) -> nbformat.NotebookNode:
        notebook = copy.deepcopy(base)
        for cell in notebook.cells:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
                cell.source = code
        return notebook

    seterr = changed("ex1_1_sigmoid", NAIVE_SIGMOID)
    seterr.cells.append(nbformat.v4.new_code_cell('np.seterr(all="ignore")'))
    hidden_only = changed("ex1_1_sigmoid", without_markers(
        solution_cells(source)["ex1_1_sigmoid"].source) + (
        "\n\n_right = sigmoid\n\n\ndef sigmoid(z):\n    z = np.asarray(z)\n"
        "    return np.zeros_like(z) if z.ndim == 2 else _right(z)\n"))
    wrong_relu = filled_in(learner, source, wrong="ex1_5_relu")
    return {"reference": reference, "blank": learner, "wrong_relu": wrong_relu,
            "naive_sigmoid_np_seterr": seterr, "hidden_only_sigmoid": hidden_only,
            "relu_test_edited": changed("test_ex1_5_relu", "pass", base=wrong_relu)}


def test_the_check_and_the_grader_give_the_same_points_on_the_visible_tests(
        tmp_path, grading_area):
    """The check is the grader's engine on the visible tests: for each notebook, each
    exercise's points from `autograder.check` (here without the sandbox, as on a
    learner's laptop) equal the grader's points for the visible part of that test."""
    folder = tmp_path / "class"
    for name, notebook in variants().items():
        (folder / name).mkdir(parents=True)
        nbformat.write(notebook, folder / name / NOTEBOOK.filename)
    report = grade_paths([folder], grading_area["out_dir"], grading_area["work_dir"],
                         db_url=grading_area["db_url"], jobs=2,
                         isolate=bwrap_available() is None)
    graded = {row.student: row.verdict for row in report.rows}
    assert set(graded) == set(variants()) and None not in graded.values(), report.rows
    for name, verdict in graded.items():
        checked = run_checks(folder / name / NOTEBOOK.filename, isolate=False)
        by_check = {outcome.grade_id: outcome.points for outcome in checked.outcomes}
        by_grader = {outcome.grade_id: outcome.visible_points for outcome in verdict.outcomes}
        assert by_check == by_grader, (name, by_check, by_grader)
    # The case that disagreed: a naive sigmoid whose overflow warning np.seterr hides.
    seterr = {o.grade_id: o.points for o in graded["naive_sigmoid_np_seterr"].outcomes}
    assert seterr["test_ex1_1_sigmoid"] == 0 and sum(seterr.values()) == 6  # 1.2 uses 1.1
    assert graded["hidden_only_sigmoid"].score < 10 == sum(
        o.visible_points for o in graded["hidden_only_sigmoid"].outcomes)


def test_the_check_reports_an_edited_test_cell(tmp_path, capsys):
    path = tmp_path / NOTEBOOK.filename
    nbformat.write(variants()["relu_test_edited"], path)
    assert main([str(path)]) == 1
    out = capsys.readouterr().out
    assert "test cell test_ex1_5_relu was edited" in out and "Exercise 1.5" in out
