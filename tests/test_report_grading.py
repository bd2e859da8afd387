"""The class report after real grading runs: a class graded in two runs (the second
resumes the first, reusing its grades), on SQLite and on PostgreSQL. The page's counts
match nbgrader's own tables; a notebook not graded in the first run and fixed for the
second leaves the not-graded list; a folder named to inject HTML stays text."""

from __future__ import annotations

import shutil

import nbformat
import pytest
from notebook_tools import read, write_class
from report_tools import page_tables, read_page
from test_grade_command import reference, run  # noqa: F401 (a fixture)

from autograder.course import course_notebooks
from autograder.gradebook import GradeStore
from autograder.report import PAGE

NOTEBOOK = course_notebooks()[0]
LEARNERS = 4
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def two_runs(tmp_path, gradebook_url, reference, capsys):  # noqa: F811
    """The first run: learner0 and learner1, bob's broken notebook, the hostile folder.
    The second: the whole class, bob's notebook fixed. Returns the second run's page,
    printed summary and the class's wrong exercises (learner -> grade_id or None)."""
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
    capsys.readouterr()
    area["out_dir"] = tmp_path / "two"
    assert run([folder], area) == 1  # the hostile folder
    printed = capsys.readouterr().out
    variants["bob"] = None
    return tmp_path / "two" / PAGE, printed, variants


def test_the_report_after_a_resumed_run_matches_the_gradebook(two_runs, gradebook_url):
    page, printed, variants = two_runs
    assert f"class report: {page}" in printed
    assert "2 notebook(s) graded before and unchanged" in printed
    text, soup = read_page(page)
    tables = page_tables(soup)
    assert f"{LEARNERS + 1} notebooks graded from {LEARNERS + 1} learners, 1 not graded" in text

    store = GradeStore(gradebook_url)
    try:
        scores = {student: store.scores(NOTEBOOK.assignment, student) for student in variants}
    finally:
        store.close()
    full = scores["learner0"]  # the reference answers: full marks
    rates = {row["Test cell"]: row for row in tables["Pass rate per exercise"]}
    assert set(rates) == set(full)
    for grade_id, row in rates.items():
        passed = sum(scores[student][grade_id] == full[grade_id] for student in variants)
        assert (row["Graded"], row["Passed"]) == (str(len(variants)), str(passed)), row
    for student, wrong in variants.items():
        if wrong is not None:
            assert int(rates[f"test_{wrong}"]["Passed"]) < len(variants), student

    failed = {row["Test cell"] for row in tables["Pass rate per exercise"]
              if row["Passed"] != row["Graded"]}
    mistakes = tables.get("Diagnosed mistakes per failed exercise", [])
    assert {row["Exercise"] for row in mistakes} == {
        rates[grade_id]["Exercise"] for grade_id in failed}
    (hostile,) = tables["Notebooks not graded (1)"]
    assert hostile["Learner"] == "(no learner)" and HOSTILE in hostile["Notebook or file"]
    assert "not a valid id" in hostile["Reason"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.read_text()
    assert not soup.find_all("script") and len(soup.find_all("img")) == 3
    (times,) = tables["Seconds per notebook, per chapter"]
    assert times["Chapter"] == NOTEBOOK.assignment and times["Notebooks"] == str(len(variants))
