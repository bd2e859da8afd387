"""Shared fixtures: the course's notebooks, and a throwaway grading area."""

from __future__ import annotations

import os

import nbformat
import pytest
from hypothesis import settings

from autograder.course import course_notebooks

# Property tests draw the same examples on every run (derandomized: a red CI run can be
# rerun and read), and keep no example database on disk. A fresh random search:
# `pytest --hypothesis-profile explore`.
settings.register_profile("course", derandomize=True, database=None)
settings.register_profile("explore", database=None)
settings.load_profile("course")

NOTEBOOKS = course_notebooks()


def pytest_report_header(config):
    """Which floating-point kernels this run uses (see tests/test_portability.py)."""
    from autograder.kernels import describe

    return f"floating-point kernels: {describe()}"


def pytest_generate_tests(metafunc):
    if "course_notebook" in metafunc.fixturenames:
        metafunc.parametrize("course_notebook", NOTEBOOKS,
                             ids=[notebook.assignment for notebook in NOTEBOOKS])


# Under pytest-xdist (`make test` runs `-n auto --dist loadgroup`), tests run in groups:
# every module, and every notebook nbval runs, stays whole on one worker (they share
# module fixtures, a kernel); the modules that start sandboxed notebooks run one after
# another on one worker, since their time limits assume the grader has the machine's
# cores (and the check's sandbox always uses one user id, CHECK_UID, whose process limit
# two checks at once would share); the modules that use the built website share one build.
SANDBOX_MODULES = {"test_adversarial", "test_adversarial_tensorflow", "test_check_command",
                   "test_diagnosis_grading", "test_distributed", "test_grade_command",
                   "test_grading_roundtrip", "test_demonstrations", "test_report_grading",
                   "test_resume",
                   "test_sandbox_hardening", "test_zygote"}
SITE_MODULES = {"test_browser", "test_instructor_site", "test_launch_routes", "test_site"}


def xdist_group(item) -> str:
    """The group `item` runs in under pytest-xdist's loadgroup scheduling."""
    path = item.path
    if path.suffix == ".ipynb":
        return f"notebook:{path.parent.name}"
    if path.stem in SANDBOX_MODULES:
        return "sandbox"
    if path.stem in SITE_MODULES:
        return "site"
    if path.stem == "test_portability" and hasattr(item, "callspec"):
        return f"portability:{item.callspec.id}"  # one group per kernel configuration
    return f"module:{path.stem}"


def longest_first(items) -> list:
    """`items` with the longest groups at the front, in an order that keeps both workers
    busy. `make test` turns off xdist's own reordering (by number of tests, which put the
    two portability reruns, two tests of about five minutes each, last, one after the
    other on one worker); xdist gives each worker its first two groups at the start, so
    the order is: the first portability configuration (worker 1), the sandboxed modules
    (worker 2), the second configuration (worker 1), then the rest as collected."""
    groups = list(dict.fromkeys(xdist_group(item) for item in items))
    portability = [group for group in groups if group.startswith("portability:")]
    front = portability[:1] + ["sandbox"] + portability[1:]
    rank = {group: position for position, group in enumerate(front)}
    return sorted(items, key=lambda item: rank.get(xdist_group(item), len(front)))


# tests/test_portability.py reruns nbval under other floating-point kernels to compare
# outputs; with this variable set, the demonstrations whose output nbval does not compare
# (tagged nbval-ignore-output) and that no other cell reads from are not run there.
COMPARED_ONLY = "DLBOOK_NBVAL_COMPARED_ONLY"


def uncompared_cells(items) -> list:
    """The nbval cells that `COMPARED_ONLY` leaves out (see autograder.demonstrations)."""
    from autograder.demonstrations import TAG, unread

    by_notebook: dict = {}
    for item in items:
        if hasattr(item, "cell_num") and hasattr(item, "cell"):
            by_notebook.setdefault(item.path, []).append(item)
    left_out = []
    for path, cells in by_notebook.items():
        notebook = nbformat.read(path, as_version=4)
        positions = {}  # nbval's cells are its own copies: match them by id and source
        for number, cell in enumerate(notebook.cells):
            positions.setdefault((cell.get("id"), cell.source), number)
        candidates = {}
        for item in cells:
            tags = item.cell.get("metadata", {}).get("tags", [])
            if TAG in tags and "nbval-ignore-output" in tags:
                candidates[positions[(item.cell.get("id"), item.cell.source)]] = item
        left_out += [candidates[number] for number in unread(notebook, set(candidates))]
    return left_out


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark every test that needs the PostgreSQL server `postgres` (`make test-fast`
    deselects them): those using the fixture, and the postgresql case of gradebook_url.
    Put every test in its xdist group (see SANDBOX_MODULES), the longest groups first.
    Under `COMPARED_ONLY`, leave out the uncompared demonstrations."""
    if os.environ.get(COMPARED_ONLY) == "1":
        left_out = set(map(id, uncompared_cells(items)))
        if left_out:
            config.hook.pytest_deselected(items=[item for item in items
                                                 if id(item) in left_out])
            items[:] = [item for item in items if id(item) not in left_out]
    items[:] = longest_first(items)
    for item in items:
        item.add_marker(pytest.mark.xdist_group(xdist_group(item)))
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "postgres" in getattr(item, "fixturenames", ()) or (
                params.get("gradebook_url") == "postgresql"):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture
def grading_area(tmp_path):
    """Work folder and SQLite gradebook of their own, so tests never touch the real ones."""
    return {"work_dir": tmp_path / "work", "db_url": f"sqlite:///{tmp_path / 'gradebook.db'}",
            "out_dir": tmp_path / "results"}


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for the whole test session (skipped only outside CI)."""
    from databases import PostgresServer, postgres_bin

    if postgres_bin() is None and not os.environ.get("CI"):
        pytest.skip("PostgreSQL is not installed here (make setup installs it)")
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def gradebook_url(request, tmp_path):
    """Each test using this runs once per gradebook backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gradebook.db'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The learner website, built once per session like `make book` (warnings are errors)."""
    import subprocess
    import sys
    from pathlib import Path

    from autograder.course import ROOT

    out = tmp_path_factory.mktemp("site")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--path-output", str(out),
         "--warningiserror", "--keep-going"],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"the book build failed:\n{result.stdout}\n{result.stderr}"
    return out / "_build" / "html"
