"""Demonstration cells: the static check that they cannot change a score, the rule that
leaves a learner's unchanged copies out, and equal points with skipping on and off."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from notebook_tools import filled_in, read

from autograder import demonstrations as demo
from autograder.check import run_checks
from autograder.course import course_notebooks
from autograder.release import ReleaseError, check_demonstrations

NOTEBOOKS = {notebook.assignment: notebook for notebook in course_notebooks()}


def tagged(source: str) -> nbformat.NotebookNode:
    return new_code_cell(source, metadata={"tags": [demo.TAG]})


def answer(source: str) -> nbformat.NotebookNode:
    return new_code_cell(source, metadata={"nbgrader": {
        "solution": True, "grade": False, "grade_id": "answer", "locked": False}})


def test_only_a_tagged_code_cell_is_a_demonstration():
    cell = tagged("x = 1")
    assert demo.is_demonstration(cell)
    assert not demo.is_demonstration(new_code_cell("x = 1"))
    assert not demo.is_demonstration(new_markdown_cell("x = 1", metadata={"tags": [demo.TAG]}))


# --- the release-time check ---------------------------------------------------------------

@pytest.mark.parametrize("cells, complaint", [
    ([tagged("size = 3"), new_code_cell("print(size)")], "binds size, which cell 1 reads"),
    ([tagged("size = 3"), answer("def f(x):\n    return x * size")],
     "functions of cell 1 read"),
    ([tagged("for size in range(3):\n    pass"), new_code_cell("print(size)")], "binds size"),
    ([tagged("import numpy as np\nnp.random.seed(0)")], "global generator"),
    ([tagged("import numpy as np\nx = np.random.normal(size=3)")], "global generator"),
    ([tagged("import numpy as np\nnp.seterr(all='raise')")], "calls np.seterr"),
    ([tagged("import matplotlib\nmatplotlib.use('pdf')")], "calls matplotlib.use"),
    ([tagged("import os\nos.chdir('/')")], "calls os.chdir"),
    ([tagged("import random\nrandom.shuffle([1, 2])")], "Python's global generator"),
    ([new_code_cell("data = [1]"), tagged("data.append(2)")], "calls .append() on data"),
    ([new_code_cell("data = [1]"), tagged("data[0] = 5")], "changes data"),
    ([new_code_cell("class A:\n    pass"), tagged("A.size = 5")], "changes A"),
    ([new_code_cell("size = [1]"), tagged("size += [2]")], "changes size in place"),
    ([tagged("def grow():\n    global size\n    size = 2")], "declares global size"),
    # a loop's first pass reads what a later statement of its body binds
    ([tagged("size = 3"), new_code_cell("for n in range(2):\n    print(size)\n    size = n")],
     "binds size, which cell 1 reads"),
    ([tagged("size = 3"), new_code_cell("if n:\n    size = 1\nprint(size)")],
     "binds size, which cell 1 reads"),  # a branch not taken binds nothing
    ([tagged("size = 3"), new_code_cell("for size in []:\n    pass\nprint(size)")],
     "binds size, which cell 1 reads"),  # an empty loop binds nothing
    ([tagged("size = 3"), new_code_cell("size += 1")], "binds size, which cell 1 reads"),
    # a function's parameters and a comprehension's variables may be another cell's objects
    ([new_code_cell("data = [1]"), tagged("def grow(d):\n    d.append(2)\n\n\ngrow(data)")],
     "calls .append() on d"),
    ([new_code_cell("rows = [[1]]"), tagged("[row.append(0) for row in rows]")],
     "calls .append() on row"),
    ([new_code_cell("data = [1]"), tagged("def grow():\n    data.append(2)")],
     "calls .append() on data"),
    ([new_code_cell("data = [1]"), tagged("def grow(d):\n    d = d\n    d[0] = 2")],
     "changes d"),
    ([tagged("%timeit 1 + 1")], "cannot be analysed"),
    ([new_code_cell("x = 1", metadata={"tags": [demo.TAG], "nbgrader": {
        "grade": True, "solution": False, "grade_id": "t", "points": 1}})], "cannot be a"),
])
def test_a_demonstration_that_could_change_a_score_is_refused(cells, complaint):
    found = demo.problems(new_notebook(cells=cells))
    assert any(complaint in problem for problem in found), found


def test_harmless_demonstrations_pass_the_check():
    notebook = new_notebook(cells=[
        new_code_cell("import numpy as np\nrng = np.random.default_rng(0)"),
        answer("def f(x):\n    return 2 * x"),
        tagged("rng = np.random.default_rng(1)\nvalues = rng.normal(size=3)\n"
               "values[0] = 0.0\nshown = [f(v) for v in values]\nshown.append(1)\n"
               "print(shown)"),
        new_code_cell("rng = np.random.default_rng(2)\nprint(rng.normal())"),  # rebinds rng
        tagged("print(values, shown)"),  # reads only what demonstrations made
        # a function's own lists, and names a block binds before it reads them
        tagged("size = 4\n\n\ndef best(repeats):\n    times = []\n    for _ in range(repeats):\n"
               "        times.append(1.0)\n        times[-1] += 1\n    return min(times)\n\n\n"
               "print(best(3))"),
        new_code_cell("for n in range(2):\n    size = n\n    print(size)\n"
                      "with open(__file__) as stream:\n    text = stream.read()\nprint(text)\n"
                      "if n:\n    size = 1\nelse:\n    size = 2\nprint(size)"),
    ])
    assert demo.problems(notebook) == []


def test_every_instructor_notebook_passes_and_the_release_refuses_one_that_does_not(
        monkeypatch):
    for notebook in NOTEBOOKS.values():
        assert demo.problems(read(notebook.source)) == [], notebook.assignment
    broken = read(NOTEBOOKS["01_neuron"].source)
    for cell in broken.cells:
        if cell.cell_type == "code" and "import numpy" in cell.source:
            cell.metadata.setdefault("tags", []).append(demo.TAG)  # np is read everywhere
            break
    monkeypatch.setattr("autograder.release.read_notebook", lambda path: broken)
    with pytest.raises(ReleaseError, match="binds np"):
        check_demonstrations("01_neuron")


def test_every_chapter_tags_its_long_demonstrations():
    """The training runs that cost grading most are tagged (and so skipped)."""
    for assignment in ("06_sgd", "07_boltzmann", "09_convolution", "10_recurrent"):
        notebook = read(NOTEBOOKS[assignment].release)
        tagged_sources = [cell.source for cell in notebook.cells if demo.is_demonstration(cell)]
        assert any("train" in source for source in tagged_sources), assignment


# --- which cells run ----------------------------------------------------------------------

def released_and_submitted():
    release = new_notebook(cells=[
        new_code_cell("import numpy as np"),
        tagged("shown = np.arange(3)\nprint(shown)"),
        tagged("print(shown * 2)"),
        answer("def f(x):\n    raise NotImplementedError()"),
    ])
    return release, demo.released_checksums(release)


def test_unchanged_demonstrations_are_left_out_and_everything_else_runs():
    release, checksums = released_and_submitted()
    submitted = nbformat.from_dict(release)
    submitted.cells[3] = answer("def f(x):\n    return x")
    submitted.cells.append(new_code_cell("print('mine')"))
    cells, skipped = demo.runnable_cells(submitted, checksums)
    assert skipped == 2
    assert cells == ["import numpy as np", "def f(x):\n    return x", "print('mine')"]
    everything, none = demo.runnable_cells(submitted, checksums, skip=False)
    assert none == 0 and len(everything) == 5


def test_an_edited_demonstration_runs_with_the_demonstrations_it_reads():
    release, checksums = released_and_submitted()
    submitted = nbformat.from_dict(release)
    submitted.cells[2].source = "print(shown * 3)"  # edited: runs, and needs `shown`
    cells, skipped = demo.runnable_cells(submitted, checksums)
    assert skipped == 0
    assert "shown = np.arange(3)\nprint(shown)" in cells and "print(shown * 3)" in cells


def test_a_demonstration_without_its_tag_or_an_untagged_copy_runs():
    release, checksums = released_and_submitted()
    submitted = nbformat.from_dict(release)
    submitted.cells[1].metadata["tags"] = []
    submitted.cells.append(new_code_cell("print(shown * 2)"))  # the source, no tag
    cells, skipped = demo.runnable_cells(submitted, checksums)
    assert skipped == 1 and cells.count("print(shown * 2)") == 1


def test_a_learner_cannot_smuggle_code_in_under_the_tag():
    release, checksums = released_and_submitted()
    submitted = nbformat.from_dict(release)
    submitted.cells.append(tagged("import os\nos.system('true')"))
    cells, skipped = demo.runnable_cells(submitted, checksums)
    assert "import os\nos.system('true')" in cells and skipped == 2


def test_whitespace_at_line_ends_does_not_count_as_an_edit():
    assert demo.checksum("x = 1  \nprint(x)\n") == demo.checksum("x = 1\nprint(x)")
    assert demo.checksum("x = 1\nprint(x)") != demo.checksum("x = 2\nprint(x)")


# --- the same points with skipping on and off --------------------------------------------

# The grader's way is compared on every chapter (tests/test_grading_roundtrip.py); the
# check's, on two.
@pytest.mark.parametrize("assignment", ["01_neuron", "05_backprop"])
def test_the_check_scores_the_same_with_and_without_skipping(assignment, tmp_path):
    notebook = NOTEBOOKS[assignment]
    path = tmp_path / notebook.filename
    nbformat.write(filled_in(read(notebook.release), read(notebook.source)), path)
    on = run_checks(path, skip_demonstrations=True)
    off = run_checks(path, skip_demonstrations=False)
    assert on.skipped > 0 and off.skipped == 0
    assert [(o.grade_id, o.points, o.message) for o in on.outcomes] == [
        (o.grade_id, o.points, o.message) for o in off.outcomes]
    assert on.score == off.score == sum(o.max_points for o in on.outcomes)
    assert on.notes == off.notes == []


def test_a_blank_notebook_scores_the_same_and_only_the_run_cells_can_raise(tmp_path):
    """The hostile corpus's 'blank' case: its try-it cells, which call the unanswered
    functions, are demonstrations; left out, none raises; run, they do. Zero either way."""
    notebook = NOTEBOOKS["01_neuron"]
    path = tmp_path / notebook.filename
    nbformat.write(read(notebook.release), path)
    on = run_checks(path, skip_demonstrations=True)
    off = run_checks(path, skip_demonstrations=False)
    assert on.score == off.score == 0
    assert not any("raised an error" in note for note in on.notes)
    assert any("raised an error" in note for note in off.notes)
