"""Grading on a Dask cluster as the README documents it: a scheduler and workers started
with the `dask` command-line tools (workers with several threads), the grading command
run as `python -m autograder.grade` and as `dlbook-grade`, a PostgreSQL gradebook, and a
worker killed mid-run: the same grades as grading locally, each notebook graded once.
And a worker with four threads grading slow honest notebooks beside hostile ones."""

from __future__ import annotations

import contextlib
import copy
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
import sqlalchemy as sa
from distributed import Client
from nbformat.v4 import new_code_cell
from notebook_tools import exercises, filled_in, read, write_class
from report_tools import read_page

from autograder.course import ROOT, course_notebooks
from autograder.grade import grade_paths, main
from autograder.gradebook import GradeStore
from autograder.judge import Assignment, Judge
from autograder.report import PAGE
from autograder.sandbox import SandboxSpec, bwrap_available

NOTEBOOK = course_notebooks()[0]
LEARNERS = 4
FULL = 10.0
BIN = Path(sys.executable).parent
NO_SANDBOX = bwrap_available()
needs_sandbox = pytest.mark.skipif(NO_SANDBOX is not None,
                                   reason=f"no sandbox here: {NO_SANDBOX}")
# The dask tools and the grading commands import this checkout's grader, wherever the
# virtual environment's editable install points.
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


# --- a cluster of `dask` processes --------------------------------------------------------

def process_parents() -> dict[int, int]:
    """pid -> parent pid of every process (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def descendants(pids: set[int], parents: dict[int, int] | None = None) -> set[int]:
    """`pids` and every process below them."""
    parents = process_parents() if parents is None else parents
    found, pending = set(), list(pids)
    while pending:
        pid = pending.pop()
        if pid in parents and pid not in found:
            found.add(pid)
            pending += [child for child, parent in parents.items() if parent == pid]
    return found


def forked_notebooks(pid: int) -> int:
    """How many processes below `pid` a zygote forked for notebooks (holder, init and the
    notebook itself: `autograder.zygote`)."""
    parents = process_parents()

    def zygote(process: int) -> bool:
        try:
            return b"zygote.py" in Path(f"/proc/{process}/cmdline").read_bytes()
        except OSError:
            return False

    return sum(1 for process in descendants({pid}, parents)
               if zygote(process) and zygote(parents.get(process, 0)))


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class Cluster:
    """A scheduler and workers started as separate `dask` commands (see `dask_cluster`)."""

    address: str
    scheduler_file: Path
    client: Client
    processes: list[subprocess.Popen] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)  # every process ever seen under them

    def watch(self) -> None:
        self.seen |= descendants({process.pid for process in self.processes})

    def worker_pids(self) -> dict[str, int]:
        return self.client.run(os.getpid)


def _stop(processes: list[subprocess.Popen]) -> None:
    """SIGTERM each process group, then SIGKILL whatever is left of it."""
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def dask_cluster(folder: Path, workers: int, threads: int) -> Iterator[Cluster]:
    """`dask scheduler --scheduler-file ...` and `dask worker --nworkers W --nthreads T`
    on 127.0.0.1 with random ports, each in a process group of its own; all of them (and
    everything they started: nannies, workers, sandboxes) stopped at the end."""
    folder.mkdir(parents=True, exist_ok=True)
    scheduler_file = folder / "scheduler.json"
    processes: list[subprocess.Popen] = []
    client = cluster = None

    def start(argv: list[str], log: str) -> None:
        with open(folder / log, "wb") as out:
            processes.append(subprocess.Popen(
                argv, cwd=ROOT, env=ENV, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                start_new_session=True))

    try:
        start([str(BIN / "dask"), "scheduler", "--scheduler-file", str(scheduler_file),
               "--host", "127.0.0.1", "--port", "0", "--no-dashboard"], "scheduler.log")
        deadline = time.monotonic() + 60
        while not scheduler_file.exists():
            assert processes[0].poll() is None, (folder / "scheduler.log").read_text()
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.2)
        start([str(BIN / "dask"), "worker", "--scheduler-file", str(scheduler_file),
               "--nworkers", str(workers), "--nthreads", str(threads), "--host", "127.0.0.1",
               "--no-dashboard", "--local-directory", str(folder / "space")], "workers.log")
        client = Client(scheduler_file=str(scheduler_file), timeout="30s")
        client.wait_for_workers(workers, timeout=120)
        cluster = Cluster(client.scheduler.address, scheduler_file, client, processes)
        cluster.watch()
        yield cluster
    finally:
        if cluster is not None:
            cluster.watch()
        if client is not None:
            client.close()
        _stop(processes)
        if cluster is not None:
            deadline = time.monotonic() + 15
            while any(map(alive, cluster.seen)) and time.monotonic() < deadline:
                time.sleep(0.2)
            left = sorted(pid for pid in cluster.seen if alive(pid))
            assert not left, f"processes of the cluster still running: {left}"


# --- what the grades look like ------------------------------------------------------------

def count(db_url: str, table: str) -> int:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(f"select count(*) from {table}")).scalar()
    finally:
        engine.dispose()


def points(report) -> dict:
    return {row.student: {outcome.grade_id: outcome.points for outcome in row.verdict.outcomes}
            for row in report.rows}


def stored_points(db_url: str, students) -> dict:
    store = GradeStore(db_url)
    try:
        return {student: store.scores(NOTEBOOK.assignment, student) for student in students}
    finally:
        store.close()


def graded_tasks(client: Client, since: int) -> list[str]:
    """Keys of the grading tasks that ran to the end on a worker after the first `since`
    records of the scheduler's task stream (records come in the order tasks end; their
    times come from the workers' clocks and need not be in order)."""
    return [str(task["key"]) for task in client.get_task_stream()[since:]
            if str(task["key"]).startswith("grade-")]


def grade_command(program: list[str], folder: Path, area: Path, db_url: str,
                  scheduler: str) -> list[str]:
    return [*program, str(folder), "--out", str(area / "out"), "--work-dir",
            str(area / "work"), "--db-url", db_url, "--scheduler", scheduler]


def run_killing_a_worker(cluster: Cluster, command: list[str]) -> tuple[str, list[str]]:
    """Run the grading command; SIGKILL a worker while it grades. Returns the command's
    output and the grading tasks the killed worker held."""
    pids = cluster.worker_pids()
    with open(cluster.scheduler_file.with_name("grade.log"), "w+b") as log:
        grading = subprocess.Popen(command, cwd=ROOT, env=ENV, stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        try:
            deadline = time.monotonic() + 180
            victim = None
            while victim is None and time.monotonic() < deadline and grading.poll() is None:
                for address, keys in cluster.client.processing().items():
                    if address in pids and any(str(key).startswith("grade-") for key in keys):
                        victim = address
                time.sleep(0.05)
            if victim is None:
                log.seek(0)
                pytest.fail("no worker was seen grading; the command said:\n"
                            + log.read().decode(errors="replace"))
            while not forked_notebooks(pids[victim]) and time.monotonic() < deadline:
                time.sleep(0.05)  # until a notebook runs in a sandbox there
            assert forked_notebooks(pids[victim]), "no notebook was seen running"
            time.sleep(0.5)
            cluster.watch()
            held = [str(key) for key in cluster.client.processing().get(victim, [])]
            os.kill(pids[victim], signal.SIGKILL)
            grading.wait(timeout=600)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(grading.pid, signal.SIGKILL)
            grading.wait()
        log.seek(0)
        output = log.read().decode(errors="replace")
    assert grading.returncode == 0, output
    return output, held


@pytest.fixture
def class_folder(tmp_path):
    write_class(tmp_path / "class", NOTEBOOK, LEARNERS)
    return tmp_path / "class"


@needs_sandbox
def test_dask_command_line_cluster_grades_like_a_local_run_when_a_worker_dies(
        class_folder, postgres, tmp_path):
    """The README's route on one machine: `dask scheduler`, `dask worker --nworkers 2
    --nthreads 4`, `python -m autograder.grade --scheduler` (a worker SIGKILLed while it
    grades) and `dlbook-grade --scheduler`, on PostgreSQL gradebooks."""
    local = grade_paths([class_folder], tmp_path / "local" / "out", tmp_path / "local" / "work",
                        db_url=f"sqlite:///{tmp_path / 'local.db'}", jobs=2)
    assert all(row.status == "graded" for row in local.rows), local.rows
    expected = points(local)
    tests = len(exercises(read(NOTEBOOK.source)))

    with dask_cluster(tmp_path / "dask", workers=2, threads=4) as cluster:
        assert sorted(cluster.client.nthreads().values()) == [4, 4]
        cluster.client.get_task_stream()  # records which tasks run to the end, from now

        module_db = postgres.new_database()
        started = len(cluster.client.get_task_stream())
        output, held = run_killing_a_worker(cluster, grade_command(
            [sys.executable, "-m", "autograder.grade"], class_folder, tmp_path / "module",
            module_db, cluster.address))
        assert held, "the worker was killed between two notebooks, not during one"
        finished = graded_tasks(cluster.client, started)
        assert sorted(finished) == sorted(set(finished)) and len(finished) == LEARNERS, (
            "every notebook must be graded to the end exactly once", finished, output)

        script_db = postgres.new_database()
        started = len(cluster.client.get_task_stream())
        script = subprocess.run(grade_command(
            [str(BIN / "dlbook-grade")], class_folder, tmp_path / "script", script_db,
            cluster.address), cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600)
        assert script.returncode == 0, script.stdout + script.stderr
        finished = graded_tasks(cluster.client, started)
        assert sorted(finished) == sorted(set(finished)) and len(finished) == LEARNERS, (
            "every notebook must be graded to the end exactly once", finished)

        for db_url in (module_db, script_db):
            assert stored_points(db_url, expected) == expected, "cluster and local disagree"
            assert count(db_url, "dlbook_graded") == LEARNERS
            assert count(db_url, "submitted_assignment") == LEARNERS
            assert count(db_url, "grade") == LEARNERS * tests, "one grade per test, no more"
        # The class report, read from the gradebook, counts every notebook once.
        text, _ = read_page(tmp_path / "module" / "out" / PAGE)
        assert f"{LEARNERS} notebooks graded from {LEARNERS} learners, 0 not graded" in text

        # Resuming works as locally: nothing changed, nothing is graded again.
        started = len(cluster.client.get_task_stream())
        again = subprocess.run(grade_command(
            [str(BIN / "dlbook-grade")], class_folder, tmp_path / "script", script_db,
            cluster.address), cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stdout + again.stderr
        assert f"{LEARNERS} notebook(s) graded before" in again.stdout
        assert graded_tasks(cluster.client, started) == []


# --- a worker with several threads -------------------------------------------------------

def with_cell(notebook, code: str):
    notebook = copy.deepcopy(notebook)
    notebook.cells.append(new_code_cell(code))
    return notebook


SLOW = "import time\ntime.sleep(6)  # a long training run, say"
# Each of its functions warns on every call: the grader re-raises those warnings in the
# thread that grades it, while the honest notebooks' tests run in the other threads.
NOISY = '''
import functools, time, warnings
time.sleep(5)

def _noisy(function):
    @functools.wraps(function)
    def noisy(*args, **kwargs):
        for index in range(20):
            warnings.warn(f"a neighbour's noise {index}", UserWarning)
        return function(*args, **kwargs)
    return noisy

for _name in NAMES:
    globals()[_name] = _noisy(globals()[_name])
'''


@needs_sandbox
def test_a_worker_with_four_threads_grades_slow_honest_notebooks_beside_hostile_ones(
        tmp_path):
    source, learner = read(NOTEBOOK.source), read(NOTEBOOK.release)
    reference = filled_in(learner, source)
    names = [exercise["function"] for exercise in exercises(source)]
    submissions = {
        "honest0": with_cell(reference, SLOW),
        "honest1": with_cell(reference, SLOW),
        "honest2": with_cell(reference, SLOW),
        "noisy": with_cell(reference, NOISY.replace("NAMES", repr(names))),
        "crasher": with_cell(reference, "import os, time\ntime.sleep(2)\nos._exit(3)"),
        "hog": with_cell(reference, "import time\nhog = bytearray(8 * 2**30)"),
    }
    for student, notebook in submissions.items():
        (tmp_path / "class" / student).mkdir(parents=True)
        nbformat.write(notebook, tmp_path / "class" / student / NOTEBOOK.filename)

    with dask_cluster(tmp_path / "dask", workers=1, threads=4) as cluster:
        assert list(cluster.client.nthreads().values()) == [4]
        report = grade_paths([tmp_path / "class"], tmp_path / "out", tmp_path / "work",
                             db_url=f"sqlite:///{tmp_path / 'gradebook.db'}",
                             scheduler=cluster.address)
    rows = {row.student: row for row in report.rows}
    assert all(row.status == "graded" for row in rows.values()), report.rows
    for student in ("honest0", "honest1", "honest2"):
        assert (rows[student].score, rows[student].reason) == (FULL, ""), rows[student]
    # The noise is charged to the notebook that made it, and to no other.
    assert rows["noisy"].score == 0, rows["noisy"]
    assert "a neighbour's noise" in "".join(o.message for o in rows["noisy"].verdict.outcomes)


def test_test_output_is_charged_to_the_thread_that_wrote_it():
    """`Judge._run` sees the stderr and warnings of its own thread's code only, while
    another thread writes and warns at the same time (no sandbox needed)."""
    judge = Judge(Assignment("quiet", [], [], "", [], {}), SandboxSpec(isolate=False))
    stop = threading.Event()

    def noise():
        while not stop.is_set():
            print("noise from another thread", file=sys.stderr)
            warnings.warn("another thread's warning", UserWarning, stacklevel=1)

    neighbour = threading.Thread(target=noise)
    neighbour.start()
    try:
        results = [judge._run("total = sum(range(1000))", {}) for _ in range(300)]
    finally:
        stop.set()
        neighbour.join()
    assert results == [None] * 300
    # And its own output is still seen.
    assert "mine" in judge._run("import sys\nprint('mine', file=sys.stderr)", {})
    assert "own" in judge._run("import warnings\nwarnings.warn('own')", {})

    # A test that captures what a call prints captures its own thread's output only.
    stop.clear()
    captured = []

    def capture():
        while not stop.is_set():
            captured.append(judge._run(CAPTURE, {}))

    capturing = threading.Thread(target=capture)
    capturing.start()
    try:
        results = [judge._run("import sys, time\nprint('mine', file=sys.stderr)\n"
                              "time.sleep(0.001)", {}) for _ in range(300)]
    finally:
        stop.set()
        capturing.join()
    assert results == ["mine"] * 300
    assert captured and set(captured) == {None}, set(map(str, captured))


CAPTURE = """
import contextlib, io, time
_err = io.StringIO()
with contextlib.redirect_stderr(_err):
    time.sleep(0.002)  # the other thread runs meanwhile
assert _err.getvalue() == "", _err.getvalue()
"""


def test_an_unreachable_scheduler_is_an_error_not_a_crash(class_folder, tmp_path, capsys):
    status = main([str(class_folder), "--out", str(tmp_path / "out"), "--work-dir",
                   str(tmp_path / "work"), "--db-url", f"sqlite:///{tmp_path / 'g.db'}",
                   "--scheduler", "tcp://127.0.0.1:9"])
    assert status == 2
    assert "cannot grade on the Dask scheduler tcp://127.0.0.1:9" in capsys.readouterr().err

