"""Grading on a Dask cluster (`python -m autograder.grade --scheduler ADDRESS`): the same
grades as grading locally, on PostgreSQL, even when a worker is killed mid-run."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

import pytest
import sqlalchemy as sa
from distributed import Client, LocalCluster
from notebook_tools import exercises, read, write_class

from autograder.course import course_notebooks
from autograder.grade import grade_paths, main
from autograder.gradebook import GradeStore
from autograder.sandbox import bwrap_available

NOTEBOOK = course_notebooks()[0]
LEARNERS = 6
NO_SANDBOX = bwrap_available()
pytestmark = pytest.mark.skipif(NO_SANDBOX is not None, reason=f"no sandbox here: {NO_SANDBOX}")


@pytest.fixture
def class_folder(tmp_path):
    write_class(tmp_path / "class", NOTEBOOK, LEARNERS)
    return tmp_path / "class"


@pytest.fixture
def cluster():
    """Two worker processes over TCP on the loopback interface, one thread each."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, protocol="tcp",
                      host="127.0.0.1", dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        client.wait_for_workers(2, timeout=120)
        yield cluster, client


def points(report) -> dict:
    return {row.student: {outcome.grade_id: outcome.points for outcome in row.verdict.outcomes}
            for row in report.rows}


def count(db_url: str, table: str) -> int:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(f"select count(*) from {table}")).scalar()
    finally:
        engine.dispose()


def test_a_cluster_grades_like_the_local_run_even_when_a_worker_dies(class_folder, cluster,
                                                                      postgres, tmp_path):
    cluster, client = cluster
    local = grade_paths([class_folder], tmp_path / "local" / "out", tmp_path / "local" / "work",
                        db_url=f"sqlite:///{tmp_path / 'local.db'}", jobs=2)
    assert all(row.status == "graded" for row in local.rows), local.rows

    db_url = postgres.new_database()
    client.get_task_stream()  # starts recording which tasks ran to the end, and where
    pids = client.run(os.getpid)
    outcome: dict = {}

    def grade_on_cluster():
        try:
            outcome["report"] = grade_paths(
                [class_folder], tmp_path / "dask" / "out", tmp_path / "dask" / "work",
                db_url=db_url, scheduler=cluster.scheduler_address)
        except BaseException as error:  # re-raised below, in the test's thread
            outcome["error"] = error

    started = time.monotonic()
    grading = threading.Thread(target=grade_on_cluster)
    grading.start()
    victim = None
    while victim is None and time.monotonic() < started + 180 and grading.is_alive():
        for address, keys in client.processing().items():
            if address in pids and any(str(key).startswith("grade-") for key in keys):
                victim = address
        time.sleep(0.05)
    assert victim is not None, "no worker was seen grading"
    time.sleep(0.5)  # well inside the notebook: its sandbox is running
    killed_while = [str(key) for key in client.processing().get(victim, [])]
    os.kill(pids[victim], signal.SIGKILL)
    grading.join(timeout=600)
    assert not grading.is_alive(), "grading on the cluster did not finish"
    if "error" in outcome:
        raise outcome["error"]
    report = outcome["report"]

    assert killed_while, "the worker was killed between two notebooks, not during one"
    assert all(row.status == "graded" for row in report.rows), report.rows
    assert points(report) == points(local), "the cluster and the local run disagree"
    finished = [task["key"] for task in client.get_task_stream(start=started)
                if str(task["key"]).startswith("grade-")]
    assert sorted(finished) == sorted(set(finished)) and len(finished) == LEARNERS, (
        "every notebook must be graded to the end exactly once", finished)
    assert count(db_url, "dlbook_graded") == LEARNERS
    assert count(db_url, "submitted_assignment") == LEARNERS
    tests = len(exercises(read(NOTEBOOK.source)))
    assert count(db_url, "grade") == LEARNERS * tests, "one grade per test cell, no duplicates"
    store = GradeStore(db_url)
    try:
        for student, expected in points(local).items():
            assert store.scores(NOTEBOOK.assignment, student) == expected
    finally:
        store.close()

    # Resuming works as locally: nothing changed, nothing is graded again.
    again = grade_paths([class_folder], tmp_path / "again" / "out", tmp_path / "dask" / "work",
                        db_url=db_url, scheduler=cluster.scheduler_address)
    assert all(row.reused for row in again.rows) and points(again) == points(local)


def test_an_unreachable_scheduler_is_an_error_not_a_crash(class_folder, tmp_path, capsys):
    status = main([str(class_folder), "--out", str(tmp_path / "out"), "--work-dir",
                   str(tmp_path / "work"), "--db-url", f"sqlite:///{tmp_path / 'g.db'}",
                   "--scheduler", "tcp://127.0.0.1:9"])
    assert status == 2
    assert "cannot grade on the Dask scheduler tcp://127.0.0.1:9" in capsys.readouterr().err
