"""chapters/ is exactly what `python -m autograder.release` makes from solutions/."""

from __future__ import annotations

import nbformat
from notebook_tools import read, secret_lines

from autograder.course import CHAPTERS_DIR, course_notebooks
from autograder.release import release
from dlbook import notebook_format


def test_every_chapter_has_a_learner_notebook():
    released = sorted(path.relative_to(CHAPTERS_DIR) for path in CHAPTERS_DIR.glob("*/*.ipynb"))
    expected = sorted(notebook.release.relative_to(CHAPTERS_DIR)
                      for notebook in course_notebooks())
    assert expected, "no solutions notebooks found"
    assert released == expected, "chapters/ and solutions/ hold different notebooks"


def test_chapters_are_up_to_date(tmp_path):
    notebooks = course_notebooks()
    release(sorted({notebook.assignment for notebook in notebooks}), destination=tmp_path)
    for notebook in notebooks:
        fresh = tmp_path / notebook.assignment / notebook.filename
        assert fresh.read_bytes() == notebook.release.read_bytes(), (
            f"{notebook.release} is out of date: run `make release` and commit chapters/")


def test_no_other_files_are_released(tmp_path):
    """generate_assignment copies every file in solutions/<id>/ to learners."""
    for notebook in course_notebooks():
        extra = [path.name for path in notebook.source.parent.iterdir()
                 if path.suffix != ".ipynb" and path.name != ".ipynb_checkpoints"]
        assert not extra, f"{notebook.source.parent} has files learners would get: {extra}"


def test_learner_notebook_hides_answers_and_hidden_tests(course_notebook):
    text = course_notebook.release.read_text()
    secrets = secret_lines(read(course_notebook.source))
    assert secrets, "the solution notebook should have solutions and hidden tests"
    leaked = sorted(line for line in secrets if line in text)
    assert not leaked, f"{course_notebook.release} shows solution/hidden-test lines: {leaked}"
    assert not any(marker.lstrip("# ") in text for marker in notebook_format.MARKERS)


def test_learner_notebook_keeps_figures_but_not_graded_outputs(course_notebook):
    learner = nbformat.read(course_notebook.release, as_version=4)
    figures = 0
    for cell in learner.cells:
        if cell.cell_type != "code":
            continue
        if notebook_format.is_solution_cell(cell) or notebook_format.is_test_cell(cell):
            assert cell.outputs == [], f"cell {cell.id} keeps an output that may reveal answers"
        figures += sum("image/png" in output.get("data", {}) for output in cell.outputs)
    assert figures >= 2, "the learner notebook should show the chapter's figures"
