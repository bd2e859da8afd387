"""Killing the grader mid-batch and running it again loses and duplicates nothing,
on SQLite and on PostgreSQL, and the resumed run's class report counts everyone once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
from notebook_tools import write_class
from report_tools import assert_matches_gradebook, page_tables, read_page

from autograder.course import ROOT, course_notebooks
from autograder.gradebook import GradeStore
from autograder.report import PAGE

NOTEBOOK = course_notebooks()[0]
LEARNERS = 6


def grade_command(folder, area, db_url):
    return [sys.executable, "-m", "autograder.grade", str(folder), "--out", str(area / "out"),
            "--work-dir", str(area / "work"), "--db-url", db_url, "--jobs", "2"]


def recorded(db_url) -> int:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("select count(*) from dlbook_graded")).scalar()
    except sa.exc.DatabaseError:
        return 0  # the table is not there yet
    finally:
        engine.dispose()


@pytest.fixture
def class_folder(tmp_path):
    folder = tmp_path / "class"
    variants = write_class(folder, NOTEBOOK, LEARNERS)
    return folder, variants


def kill_mid_batch(command: list[str], db_url: str) -> int:
    """Start the grading `command`, kill it (all its processes) once two notebooks are
    recorded and before all are; return how many were recorded."""
    first = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while recorded(db_url) < 2 and time.monotonic() < deadline:
        assert first.poll() is None, "the first run ended before it could be killed"
        time.sleep(0.2)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    done_before = recorded(db_url)
    assert 2 <= done_before < LEARNERS, "the kill should land mid-batch"
    return done_before


def test_killed_run_resumes_without_lost_or_duplicate_grades(class_folder, gradebook_url,
                                                             tmp_path):
    folder, variants = class_folder
    command = grade_command(folder, tmp_path, gradebook_url)
    done_before = kill_mid_batch(command, gradebook_url)

    page = tmp_path / "out" / PAGE
    assert not page.exists(), "the killed run should write no class report"
    second = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"{done_before} notebook(s) graded before" in second.stdout
    # The resumed run's class report counts the whole class, once (autograder.report).
    assert f"class report: {page}" in second.stdout
    text, soup = read_page(page)
    assert f"{LEARNERS} notebooks graded from {LEARNERS} learners, 0 not graded" in text
    assert_matches_gradebook(page_tables(soup), gradebook_url, NOTEBOOK, variants)

    assert recorded(gradebook_url) == LEARNERS
    store = GradeStore(gradebook_url)
    try:
        reference = store.scores(NOTEBOOK.assignment, "learner0")
        assert sum(reference.values()) == 10 and None not in reference.values()
        for student, variant in variants.items():
            scores = store.scores(NOTEBOOK.assignment, student)
            assert len(scores) == len(reference), "one grade per test cell, no duplicates"
            if variant is not None:
                assert scores[f"test_{variant}"] == 0, f"{student}: {variant} was wrong"
    finally:
        store.close()
    engine = sa.create_engine(gradebook_url)
    with engine.connect() as connection:
        grades = connection.execute(sa.text("select count(*) from grade")).scalar()
        submissions = connection.execute(
            sa.text("select count(*) from submitted_assignment")).scalar()
    engine.dispose()
    assert submissions == LEARNERS and grades == LEARNERS * len(reference)
