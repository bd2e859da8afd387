"""What the grader takes in: symbolic links are refused (never followed), and a file
that breaks the reader costs that file only."""

from __future__ import annotations

import io
import json
import stat
import zipfile

import nbformat
from notebook_tools import filled_in, read

from autograder.course import SOLUTIONS_DIR, course_notebooks
from autograder.intake import Intake, content_problem

NOTEBOOK = course_notebooks()[0]
SOLUTION = SOLUTIONS_DIR / NOTEBOOK.assignment / NOTEBOOK.filename


def take(*paths):
    with Intake() as intake:
        for path in paths:
            intake.add(path)
        intake.finish()
        return ({(s.student, s.notebook.filename) for s in intake.submissions},
                list(intake.problems))


def reference_bytes() -> bytes:
    return nbformat.writes(filled_in(read(NOTEBOOK.release), read(NOTEBOOK.source))).encode()


def test_symbolic_links_to_files_and_folders_are_refused(tmp_path):
    folder = tmp_path / "class"
    for student in ("ada", "mallory", "trudy", "victor"):
        (folder / student).mkdir(parents=True)
    (folder / "ada" / NOTEBOOK.filename).write_bytes(reference_bytes())
    (folder / "mallory" / NOTEBOOK.filename).symlink_to(SOLUTION)
    (folder / "trudy" / NOTEBOOK.assignment).symlink_to(SOLUTION.parent)
    (folder / "victor").rmdir()
    (folder / "victor").symlink_to(SOLUTION.parent, target_is_directory=True)
    submissions, problems = take(folder)
    assert submissions == {("ada", NOTEBOOK.filename)}
    by_label = {problem.label: problem for problem in problems}
    mallory = by_label[f"{folder}/mallory/{NOTEBOOK.filename}"]
    assert "symbolic link" in mallory.reason
    assert (mallory.student, mallory.notebook) == ("mallory", NOTEBOOK), "it gets a CSV row"
    assert "symbolic link" in by_label[f"{folder}/trudy/{NOTEBOOK.assignment}"].reason
    assert "symbolic link" in by_label[f"{folder}/victor"].reason
    assert len(problems) == 3, problems


def test_a_link_given_as_the_notebook_itself_is_refused(tmp_path):
    link = tmp_path / "mallory" / NOTEBOOK.filename
    link.parent.mkdir()
    link.symlink_to(SOLUTION)
    submissions, (problem,) = take(link)
    assert not submissions and "symbolic link" in problem.reason


def test_a_link_inside_a_zip_is_refused_and_the_rest_taken(tmp_path):
    archive = tmp_path / "class.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr(f"class/ada/{NOTEBOOK.filename}", reference_bytes())
        info = zipfile.ZipInfo(f"class/mallory/{NOTEBOOK.filename}")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zipped.writestr(info, str(SOLUTION))
    archive.write_bytes(buffer.getvalue())
    submissions, (problem,) = take(archive)
    assert submissions == {("ada", NOTEBOOK.filename)}
    assert "symbolic link" in problem.reason and problem.student == "mallory"
    assert problem.label == f"{archive}:class/mallory/{NOTEBOOK.filename}"


def test_malformed_notebooks_get_a_reason_not_a_crash():
    data = json.loads(reference_bytes())
    cells_object = {**data, "cells": {str(i): cell for i, cell in enumerate(data["cells"])}}
    assert "'cells' must be a list" in content_problem(json.dumps(cells_object).encode())
    assert "every cell" in content_problem(json.dumps({**data, "cells": [1, 2]}).encode())
    assert "'metadata'" in content_problem(json.dumps({**data, "metadata": []}).encode())
    assert content_problem(b"\xef\xbb\xbf" + reference_bytes()) is None, "a BOM is fine"


def test_an_error_reading_one_file_costs_that_file_only(tmp_path, monkeypatch):
    import autograder.intake as intake

    folder = tmp_path / "class"
    for student in ("ada", "bob"):
        (folder / student).mkdir(parents=True)
        (folder / student / NOTEBOOK.filename).write_bytes(reference_bytes())
    real = intake.notebook_problem

    def failing(path):
        if "bob" in str(path):
            raise TypeError("nbformat fell over")
        return real(path)

    monkeypatch.setattr(intake, "notebook_problem", failing)
    submissions, (problem,) = take(folder)
    assert submissions == {("ada", NOTEBOOK.filename)}
    assert problem.student == "bob" and "TypeError: nbformat fell over" in problem.reason
