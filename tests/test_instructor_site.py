"""The instructor edition: built from solutions/ into its own folder, marked as such."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from notebook_tools import public_text, read, secret_lines
from test_site import find_secrets, visible_text

from autograder import instructor_site
from autograder.course import ROOT, course_notebooks


@pytest.fixture(scope="module")
def instructor_book(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("instructor")
    toc, config = instructor_site.write(out)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--toc", str(toc), "--config", str(config),
         "--path-output", str(out), "--warningiserror", "--keep-going"],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"instructor build failed:\n{result.stdout}\n{result.stderr}"
    return out / "_build" / "html"


def test_instructor_edition_is_marked_and_built_from_solutions(instructor_book):
    for path in [instructor_book / "index.html",
                 *(instructor_book / "solutions" / n.assignment / f"{n.name}.html"
                   for n in course_notebooks())]:
        text = visible_text(path.read_text())
        assert "Instructor edition" in text, f"{path.name} is not marked"
        assert "Never publish it to learners" in text, f"{path.name} has no banner"
    assert not (instructor_book / "chapters").exists()


def test_instructor_edition_contains_the_solutions(instructor_book):
    published = public_text([read(notebook.source) for notebook in course_notebooks()])
    for notebook in course_notebooks():
        secrets = secret_lines(read(notebook.source), published)
        assert secrets, f"{notebook.assignment}: no solution lines to look for"
        found = find_secrets(instructor_book / "solutions" / notebook.assignment, secrets)
        assert found, f"{notebook.assignment}: the instructor edition lacks its solutions"


def test_learner_site_is_not_the_instructor_edition(built_book):
    assert "Instructor edition" not in (built_book / "index.html").read_text()
    assert not (built_book / "solutions").exists()
