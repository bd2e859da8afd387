"""The learner's local check: exits 0 only when every visible test passes."""

from __future__ import annotations

import nbformat
from notebook_tools import filled_in, read

from autograder.check import main
from autograder.course import course_notebooks

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
