"""Shared fixtures: the course's notebooks, and a throwaway grading area."""

from __future__ import annotations

import pytest

from autograder.course import course_notebooks

NOTEBOOKS = course_notebooks()


def pytest_generate_tests(metafunc):
    if "course_notebook" in metafunc.fixturenames:
        metafunc.parametrize("course_notebook", NOTEBOOKS,
                             ids=[notebook.assignment for notebook in NOTEBOOKS])


@pytest.fixture
def grading_area(tmp_path):
    """Work folder and SQLite gradebook of their own, so tests never touch the real ones."""
    return {"work_dir": tmp_path / "work", "db_url": f"sqlite:///{tmp_path / 'gradebook.db'}",
            "out_dir": tmp_path / "results"}
