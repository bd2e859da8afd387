"""The class report after real grading runs, on SQLite and on PostgreSQL: a class
graded in runs that resume each other (reusing grades); tests/test_resume.py reads the
page after a run killed mid-batch and resumed. The page's counts match nbgrader's own
tables; a notebook not graded in the first run and fixed for the second leaves the
not-graded list; a folder named to inject HTML stays text; a notebook that runs out of
its time budget is a time-out."""

from __future__ import annotations

import copy
import shutil

import nbformat
import pytest
from catalogue import wrong_answer
from notebook_tools import read, write_class
from report_tools import assert_matches_gradebook, page_tables, read_page
from test_diagnosis_grading import MISTAKE, OTHER, _hint, _notebook
from test_grade_command import reference, run  # noqa: F401 (a fixture)

from autograder.course import course_notebooks
from autograder.report import PAGE

NOTEBOOK = course_notebooks()[0]
LEARNERS = 4
HOSTILE = "<img src=x onerror=alert(1)>"
LOOP_FOREVER = "while True:\n    pass\n"
# Learners of the second run with a catalogued mistake: learner -> (exercise, mistake).
CATALOGUED = {"dee": ("ex1_2_sigmoid_grad", MISTAKE), "eli": ("ex1_2_sigmoid_grad", MISTAKE),
              "fin": ("ex1_6_relu_grad", OTHER)}


@pytest.fixture
def two_runs(tmp_path, gradebook_url, reference, capsys):  # noqa: F811
    """The first run: learner0 and learner1, bob's broken notebook, the hostile folder.
    The second: the whole class, bob's notebook fixed, and the CATALOGUED learners.
    Returns the second run's page, printed summary and the class's wrong exercises
    (learner -> grade_id or None)."""
    folder = tmp_path / "class"
    variants = write_class(folder, NOTEBOOK, LEARNERS)
    (folder / HOSTILE).mkdir()
    nbformat.write(read(NOTEBOOK.release), folder / HOSTILE / NOTEBOOK.filename)
    (folder / "bob").mkdir()
    (folder / "bob" / NOTEBOOK.filename).write_text('{"cells": [')
    first = tmp_path / "first"
    for name in ("learner0", "learner1", HOSTILE, "bob"):
        shutil.copytree(folder / name, first / name)
    area = {"work_dir": tmp_path / "work", "db_url": gradebook_url, "out_dir": tmp_path / "one"}
    assert run([first], area) == 1  # bob and the hostile folder
    first_page = page_tables(read_page(tmp_path / "one" / PAGE)[1])
    assert {row["Learner"] for row in first_page["Notebooks not graded (2)"]} == {
        "bob", "(no learner)"}
    nbformat.write(reference, folder / "bob" / NOTEBOOK.filename)
    for student, (exercise, mistake) in CATALOGUED.items():
        (folder / student).mkdir()
        nbformat.write(_notebook(**{exercise: wrong_answer(NOTEBOOK.assignment, exercise,
                                                           mistake)}),
                       folder / student / NOTEBOOK.filename)
        variants[student] = exercise
    capsys.readouterr()
    area["out_dir"] = tmp_path / "two"
    assert run([folder], area) == 1  # the hostile folder
    printed = capsys.readouterr().out
    variants["bob"] = None
    return tmp_path / "two" / PAGE, printed, variants


def test_the_report_after_resumed_runs_matches_the_gradebook(two_runs, gradebook_url,
                                                             reference, tmp_path):  # noqa: F811
    page, printed, variants = two_runs
    assert f"class report: {page}" in printed
    assert "2 notebook(s) graded before and unchanged" in printed
    text, soup = read_page(page)
    tables = page_tables(soup)
    graded = len(variants)
    assert graded == LEARNERS + 1 + len(CATALOGUED)
    assert f"{graded} notebooks graded from {graded} learners, 1 not graded" in text

    assert_matches_gradebook(tables, gradebook_url, NOTEBOOK, variants)
    diagnosed = {(row["Exercise"], row["Diagnosed mistake"]): row["Count"]
                 for row in tables["Diagnosed mistakes per failed exercise"]}
    for label, exercise, mistake, count in (("Exercise 1.2", "ex1_2_sigmoid_grad", MISTAKE, 2),
                                            ("Exercise 1.6", "ex1_6_relu_grad", OTHER, 1)):
        assert diagnosed[label, _hint(exercise, mistake)] == str(count), diagnosed
    (hostile,) = tables["Notebooks not graded (1)"]
    assert hostile["Learner"] == "(no learner)" and HOSTILE in hostile["Notebook or file"]
    assert "not a valid id" in hostile["Reason"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.read_text()
    assert not soup.find_all("script") and len(soup.find_all("img")) == 3
    (times,) = tables["Seconds per notebook, per chapter"]
    assert times["Chapter"] == NOTEBOOK.assignment and times["Notebooks"] == str(len(variants))

    # A third run, of one learner whose notebook ends in an endless loop, with a budget of
    # 8 s: a time-out; the class's other grades stay, and the files of the second run (the
    # hostile folder) are no longer listed.
    looping = copy.deepcopy(reference)
    looping.cells.append(nbformat.v4.new_code_cell(LOOP_FOREVER))
    (tmp_path / "third" / "cy").mkdir(parents=True)
    nbformat.write(looping, tmp_path / "third" / "cy" / NOTEBOOK.filename)
    area = {"work_dir": tmp_path / "work", "db_url": gradebook_url,
            "out_dir": tmp_path / "three"}
    assert run([tmp_path / "third"], area, "--budget", "8") == 0
    text, soup = read_page(tmp_path / "three" / PAGE)
    tables = page_tables(soup)
    assert f"{graded + 1} notebooks graded from {graded + 1} learners, 0 not graded" in text
    (time_out,) = tables["Time-outs (1)"]
    assert time_out["Learner"] == "cy" and "ran out of time" in time_out["What ran out of time"]
    (times,) = tables["Seconds per notebook, per chapter"]
    assert times["Time-outs"] == "1" and float(times["Longest (s)"]) >= 8
    (scores,) = tables["Scores per chapter (percent of the chapter's points)"]
    assert scores["Lowest"] == "0%", "every test after the time-out scores 0"
    assert "Every notebook submitted was graded." in text
