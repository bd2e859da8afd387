"""Grading one notebook, wherever it runs, and the local way of running many: a pool of
processes on this machine (`run_locally`). The Dask way is `autograder.dask_jobs`.

What a pool process or a Dask worker runs is defined here, in a module of the course
package, never in `__main__`: functions are sent to them by name, and
`python -m autograder.grade` makes the grader's own module `__main__`, which a worker
cannot import.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import multiprocessing
import os
import re
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from autograder.confine import UidLease
from autograder.course import SOLUTIONS_DIR, course_notebooks
from autograder.intake import Submission
from autograder.judge import Assignment, Judge
from autograder.results import Verdict
from autograder.sandbox import Limits, SandboxSpec
from dlbook.notebook_format import parse_notebook

TENSORFLOW_IMPORT = re.compile(r"^\s*(import|from)\s+(tensorflow|keras)\b", re.MULTILINE)
FIRST_UID, UID_RANGE = 60000, 5000
SLOTS_PER_PROCESS = 8  # notebooks one process may grade at once (Dask worker threads)


@dataclass
class Prepared:
    """A chapter ready to grade: the judge's view of it and its limits."""

    assignment: Assignment
    limits: Limits


@dataclass
class Job:
    """One notebook to grade."""

    submission: Submission
    digest: str
    prepared: Prepared
    content: bytes


Outcome = tuple[Job, Verdict | None, BaseException | None]

if sys.version_info < (3, 13):
    # Before 3.13, CPython counts the depth of the syntax tree `ast.parse` builds in one
    # place per interpreter, and a garbage collection during one parse can let another
    # thread's parse move it: "SystemError: AST constructor recursion depth mismatch"
    # (python/cpython#106905), seen with a Dask worker's threads judging notebooks side
    # by side. One parse at a time in a grading process.
    _ast_lock = threading.RLock()

    @functools.wraps(ast.parse)
    def _parse_one_at_a_time(*args, _parse=ast.parse, **kwargs):
        with _ast_lock:
            return _parse(*args, **kwargs)

    if not hasattr(ast.parse, "__wrapped__"):
        ast.parse = _parse_one_at_a_time

_slots = threading.Condition()
_slots_used: set[int] = set()


@contextlib.contextmanager
def uid_slot() -> Iterator[int]:
    """A user id for one sandbox, not shared with any other notebook graded at the same
    time on this machine: a lock file per id (`confine.UidLease`), tried first at the id
    from the process id (pool processes, Dask workers) and a slot per thread (a Dask
    worker with several threads; beyond SLOTS_PER_PROCESS at once, a notebook waits for
    a slot before its time starts), so that a process keeps its ids from one notebook to
    the next. Separate ids keep one learner's processes from counting against another's
    process limit."""
    with _slots:
        _slots.wait_for(lambda: len(_slots_used) < SLOTS_PER_PROCESS)
        slot = min(set(range(SLOTS_PER_PROCESS)) - _slots_used)
        _slots_used.add(slot)
    try:
        buckets = UID_RANGE // SLOTS_PER_PROCESS
        preferred = FIRST_UID + (os.getpid() % buckets) * SLOTS_PER_PROCESS + slot
        with UidLease(FIRST_UID, UID_RANGE, preferred) as lease:
            yield lease.uid
    finally:
        with _slots:
            _slots_used.discard(slot)
            _slots.notify()


def judge_one(assignment: Assignment, isolate: bool, limits: Limits,
              content: bytes) -> Verdict:
    """Grade one notebook, given as the file's bytes, in a sandbox with a user id of its
    own (in a pool process, or in one of a Dask worker's threads)."""
    notebook = parse_notebook(content)
    with uid_slot() as uid:
        chapters = {name: SOLUTIONS_DIR / name for name in assignment.chapters}
        spec = SandboxSpec(uid=uid, chapters=chapters, isolate=isolate, limits=limits,
                           zygote_chapters=course_chapters())
        return Judge(assignment, spec).judge(notebook)


@functools.cache
def course_chapters() -> dict:
    """Every chapter folder a notebook may be shown: this process's one zygote holds
    them all, and each notebook sees only those its chapter uses."""
    return {notebook.assignment: SOLUTIONS_DIR / notebook.assignment
            for notebook in course_notebooks()
            if (SOLUTIONS_DIR / notebook.assignment).is_dir()}


def run_locally(jobs: Iterator[Job], processes: int, isolate: bool) -> Iterator[Outcome]:
    """Grade each job in a pool of `processes` processes on this machine; yield (job,
    verdict, None) or (job, None, error) as they end.

    Processes are started as jobs arrive. A chapter that imports TensorFlow is judged in
    processes started afresh (forkserver): its course checks run TensorFlow graphs in the
    trusted process, and TensorFlow's thread pools do not survive a fork of a process that
    has already used them.
    """
    pools: dict[str, ProcessPoolExecutor] = {}

    def pool_for(job: Job) -> ProcessPoolExecutor:
        method = "forkserver" if TENSORFLOW_IMPORT.search(job.prepared.assignment.setup) \
            else "fork"
        if method not in pools:
            pools[method] = ProcessPoolExecutor(
                max_workers=processes, mp_context=multiprocessing.get_context(method))
        return pools[method]

    try:
        futures = {pool_for(job).submit(judge_one, job.prepared.assignment, isolate,
                                        job.prepared.limits, job.content): job
                   for job in jobs}
        for future in as_completed(futures):
            try:
                yield futures[future], future.result(), None
            except Exception as error:
                yield futures[future], None, error
    finally:
        for pool in pools.values():
            pool.shutdown(wait=True)
