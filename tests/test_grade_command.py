"""The instructor's grading command: bad input is reported per file, the rest graded."""

from __future__ import annotations

import copy
import csv
import json
import zipfile

import nbformat
import pytest
from notebook_tools import filled_in, read

from autograder.course import course_notebooks
from autograder.grade import main

NOTEBOOK = course_notebooks()[0]


def run(paths, grading_area, *extra):
    args = [str(path) for path in paths] + [
        "--out", str(grading_area["out_dir"]), "--work-dir", str(grading_area["work_dir"]),
        "--db-url", grading_area["db_url"], *extra]
    return main(args)


def rows(grading_area):
    with open(grading_area["out_dir"] / "grades.csv") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def reference():
    return filled_in(read(NOTEBOOK.release), read(NOTEBOOK.source))


def test_bad_files_are_reported_and_the_rest_graded(tmp_path, grading_area, reference, capsys):
    folder = tmp_path / "class"
    (folder / "ada").mkdir(parents=True)
    nbformat.write(reference, folder / "ada" / NOTEBOOK.filename)
    (folder / "bob").mkdir()
    (folder / "bob" / NOTEBOOK.filename).write_text('{"cells": [')
    (folder / "cy").mkdir()
    (folder / "cy" / "essay.pdf").write_bytes(b"%PDF-1.4")
    (folder / "dee").mkdir()
    (folder / "dee" / NOTEBOOK.filename).write_text("")
    (folder / "eve").mkdir()
    (folder / "eve" / NOTEBOOK.filename).write_text(json.dumps({"nbformat": 3, "cells": []}))
    (folder / "fay").mkdir()
    nbformat.write(reference, folder / "fay" / "my_notebook.ipynb")
    (folder / "gus").mkdir()  # an empty learner folder
    missing = tmp_path / "no-such-folder"

    status = run([folder, missing], grading_area)
    printed = capsys.readouterr().out

    assert status == 1, "the command must fail when something could not be graded"
    by_student = {}
    for row in rows(grading_area):
        by_student.setdefault(row["student"], []).append(row)
    ada = by_student["ada"][0]
    assert ada["status"] == "graded" and ada["score"] == ada["max_score"] != ""
    assert "not valid JSON" in by_student["bob"][0]["reason"]
    assert "the file is empty" in by_student["dee"][0]["reason"]
    assert "format 3" in by_student["eve"][0]["reason"]
    reasons = " | ".join(row["reason"] for row in by_student[""])
    assert "essay.pdf: not a notebook" in reasons
    (fay,) = by_student["fay"]
    assert "my_notebook.ipynb" in fay["reason"] and "no chapter has a notebook" in fay["reason"]
    assert f"{missing}: no such file or folder" in reasons
    for name in ("bob", "dee", "eve", "essay.pdf", "my_notebook.ipynb", str(missing)):
        assert name in printed, f"{name} should be named in the summary"
    feedback = grading_area["out_dir"] / "feedback"
    assert (feedback / "ada" / NOTEBOOK.assignment / f"{NOTEBOOK.name}.html").is_file()
    assert "not valid JSON" in (feedback / "bob" / NOTEBOOK.assignment
                                / f"{NOTEBOOK.name}.html").read_text()


def test_an_empty_folder_is_an_error(tmp_path, grading_area, capsys):
    (tmp_path / "empty").mkdir()
    assert run([tmp_path / "empty"], grading_area) == 1
    assert "contains no notebooks" in capsys.readouterr().out


def test_a_zip_of_a_class_folder_is_graded(tmp_path, grading_area, reference):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(f"class/ada/{NOTEBOOK.filename}", nbformat.writes(reference))
        zipped.writestr("__MACOSX/._junk", b"\x00")
    assert run([archive], grading_area) == 0
    (ada,) = rows(grading_area)
    assert ada["student"] == "ada" and ada["score"] == ada["max_score"]


def test_a_zip_that_escapes_its_folder_is_refused(tmp_path, grading_area, capsys):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("../../escaped.ipynb", "{}")
    assert run([archive], grading_area) == 1
    assert "outside the archive" in capsys.readouterr().out
    assert not (tmp_path.parent / "escaped.ipynb").exists()


def test_a_waiting_submission_is_not_overwritten_unless_asked(tmp_path, grading_area, reference):
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        (folder / "ada").mkdir(parents=True)
    nbformat.write(reference, first / "ada" / NOTEBOOK.filename)
    changed = read(NOTEBOOK.release)  # ada's resubmission: the blank notebook
    nbformat.write(changed, second / "ada" / NOTEBOOK.filename)
    assert run([first], grading_area) == 0
    waiting = grading_area["work_dir"] / "submitted" / "ada" / NOTEBOOK.assignment
    kept = (waiting / NOTEBOOK.filename).read_bytes()

    assert run([second], grading_area) == 1
    assert "--replace" in rows(grading_area)[0]["reason"]
    assert (waiting / NOTEBOOK.filename).read_bytes() == kept

    assert run([second], grading_area, "--replace") == 0
    assert rows(grading_area)[0]["score"] == "0"


def test_a_broken_configuration_fails_loudly(monkeypatch, tmp_path, grading_area, capsys):
    import autograder.course as course

    broken = tmp_path / "nbgrader_config.py"
    broken.write_text("raise ValueError('typo in the config')\n")
    monkeypatch.setattr(course, "CONFIG_FILE", broken)
    monkeypatch.setattr(course, "AUTOGRADER_DIR", tmp_path)
    assert run([tmp_path], grading_area) == 2
    assert "typo in the config" in capsys.readouterr().err


def test_the_grader_refuses_to_run_without_a_sandbox(monkeypatch, tmp_path, grading_area,
                                                      capsys):
    import autograder.grade as grade

    monkeypatch.setattr(grade, "bwrap_available", lambda: "bubblewrap is not installed")
    (tmp_path / "class" / "ada").mkdir(parents=True)
    assert run([tmp_path / "class"], grading_area) == 2
    err = capsys.readouterr().err
    assert "cannot sandbox learner code" in err and "Refusing to grade" in err
    assert not (grading_area["out_dir"] / "grades.csv").exists()


def test_grading_without_the_sandbox_must_be_asked_for_and_is_loud(tmp_path, grading_area,
                                                                   reference, capsys):
    (tmp_path / "class" / "ada").mkdir(parents=True)
    nbformat.write(reference, tmp_path / "class" / "ada" / NOTEBOOK.filename)
    assert run([tmp_path / "class"], grading_area, "--unsafe-no-sandbox") == 0
    assert "WARNING: GRADING WITHOUT A SANDBOX" in capsys.readouterr().err
    assert rows(grading_area)[0]["score"] == "10"


class InjectedFailure(RuntimeError):
    """A failure the test plants at one stage of grading."""


def test_a_failure_at_any_stage_costs_only_its_file_or_chapter(monkeypatch, tmp_path,
                                                                grading_area, reference):
    """One failure planted at each stage, each for another learner or chapter: reading and
    validating a file, copying it to the work folder, reading it for grading, preparing a
    chapter (nbgrader's setup), a chapter's limits metadata, judging (in the pool process)
    and saving the grade. Every other notebook is graded; each failure is a row with its
    reason."""
    import autograder.grade as grade
    import autograder.intake as intake
    import autograder.jobs as jobs
    from autograder.gradebook import GradeStore

    first, second, third = course_notebooks()[:3]
    folder = tmp_path / "class"
    for student in ("ada", "bob", "cy", "dee", "eve", "fay"):
        (folder / student).mkdir(parents=True)
        notebook = copy.deepcopy(reference)
        if student == "eve":
            notebook.metadata["planted"] = "INJECT-JUDGE"
        nbformat.write(notebook, folder / student / first.filename)
    for student in ("ada", "bob"):
        for other in (second, third):
            nbformat.write(read(other.release), folder / student / other.filename)

    real_problem = intake.notebook_problem
    monkeypatch.setattr(intake, "notebook_problem", lambda path: (
        _raise("reading") if "bob" in str(path) and path.name == first.filename
        else real_problem(path)))
    real_import = grade.Grader.import_submission
    monkeypatch.setattr(grade.Grader, "import_submission", lambda self, submission, replace: (
        _raise("copying") if submission.student == "cy"
        else real_import(self, submission, replace)))
    real_read = grade.read_submitted
    monkeypatch.setattr(grade, "read_submitted", lambda path: (
        _raise("digest") if "dee" in str(path) and "submitted" in str(path)
        else real_read(path)))
    real_load = grade.load_assignment

    def load(source, release):
        if source.parent.name == second.assignment:
            _raise("chapter setup")
        assignment = real_load(source, release)
        if source.parent.name == third.assignment:
            assignment.grading = {"memory_gib": "lots"}  # broken metadata
        return assignment

    monkeypatch.setattr(grade, "load_assignment", load)
    real_parse = jobs.parse_notebook  # in the pool process, which judges
    monkeypatch.setattr(jobs, "parse_notebook", lambda content: (
        _raise("judging") if b"INJECT-JUDGE" in content else real_parse(content)))
    real_save = GradeStore.save
    monkeypatch.setattr(GradeStore, "save", lambda self, student, *args: (
        _raise("saving") if student == "fay" else real_save(self, student, *args)))

    assert run([folder], grading_area) == 1
    found = {(row["student"], row["assignment"]): row for row in rows(grading_area)}
    assert found["ada", first.assignment]["score"] == "10", found["ada", first.assignment]
    expected = {
        ("bob", first.assignment): "InjectedFailure: reading",
        ("cy", first.assignment): "could not copy this notebook (InjectedFailure: copying",
        ("dee", first.assignment): "failed on this notebook (InjectedFailure: digest",
        ("eve", first.assignment): "failed on this notebook (InjectedFailure: judging",
        ("fay", first.assignment): "could not be saved in the gradebook (InjectedFailure",
        ("ada", second.assignment): f"could not prepare chapter {second.assignment}",
        ("bob", second.assignment): f"could not prepare chapter {second.assignment}",
        ("ada", third.assignment): "grading setting memory_gib must be a positive number",
        ("bob", third.assignment): f"could not prepare chapter {third.assignment}",
    }
    for key, text in expected.items():
        assert found[key]["status"] == "not graded", found[key]
        assert text in found[key]["reason"], (key, found[key]["reason"])
    assert len(found) == 1 + len(expected)


def _raise(stage: str):
    raise InjectedFailure(stage)


def test_a_notebook_with_a_byte_order_mark_is_graded(tmp_path, grading_area, reference):
    """Some editors save a UTF-8 byte-order mark; Jupyter opens such a file, so do we."""
    path = tmp_path / "class" / "ada" / NOTEBOOK.filename
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xef\xbb\xbf" + nbformat.writes(reference).encode())
    assert run([tmp_path / "class"], grading_area) == 0
    assert rows(grading_area)[0]["score"] == "10"
