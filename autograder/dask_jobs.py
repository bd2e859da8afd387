"""Grading on the workers of a Dask distributed cluster (`grade --scheduler ADDRESS`).

`run_on_cluster` runs in the grading command; `worker_problem` and `judge_on_worker` run
on the workers, which import them from here by name (so does any other function sent to
a worker: never one of `__main__`'s). A worker may have several threads: each notebook
gets a user id of its own (`autograder.jobs.uid_slot`), the threads share the worker's
pre-started interpreters (`autograder.sandbox`), and what one notebook's tests write or
warn is charged to that notebook only (`autograder.judge.test_output`).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from autograder.course import ROOT, SOLUTIONS_DIR
from autograder.sandbox import Limits, bwrap_available

if TYPE_CHECKING:  # the judge (nbgrader and all) is imported by a worker's first notebook,
    # in its thread, not by `worker_problem`, which runs on the worker's event loop
    from autograder.jobs import Job, Outcome
    from autograder.judge import Assignment
    from autograder.results import Verdict


class ClusterError(RuntimeError):
    """The Dask cluster cannot grade (no workers, no sandbox, a different checkout)."""


def course_fingerprint(chapters: tuple[str, ...] = ()) -> str:
    """A digest of the grader's code (with the catalogue of mistakes it diagnoses) and
    the instructor notebooks of `chapters` (those a chapter's grading mounts in the
    sandbox): a Dask worker must hold the same as the command that sends it notebooks."""
    paths = sorted([*(ROOT / "autograder").rglob("*.py"), *(ROOT / "dlbook").glob("*.py"),
                    *(path for chapter in chapters
                      for path in (SOLUTIONS_DIR / chapter).glob("*.ipynb"))])
    return _fingerprint(tuple((path, path.stat().st_mtime_ns, path.stat().st_size)
                              for path in paths))


def graded_with(assignment: Assignment) -> tuple[str, ...]:
    """The chapters whose instructor notebooks grading `assignment` reads: those it mounts
    in the sandbox, and its own (the diagnosis's reference outputs come from it)."""
    return (*assignment.chapters, assignment.name)


@functools.lru_cache(maxsize=4)
def _fingerprint(files: tuple) -> str:
    digest = hashlib.sha256()
    for path, _, _ in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def worker_problem(isolate: bool, fingerprint: str) -> str | None:
    """Why this machine (a Dask worker) cannot grade, or None (run on each worker)."""
    if isolate and (reason := bwrap_available()):
        return f"cannot sandbox learner code: {reason}"
    if fingerprint != course_fingerprint():
        return (f"its course checkout ({ROOT}) differs from the grading command's "
                "(autograder/ or dlbook/); update it")
    return None


def judge_on_worker(assignment: Assignment, isolate: bool, limits: Limits, content: bytes,
                    fingerprint: str) -> Verdict:
    """Grade one notebook on a worker that holds the same checkout as the command."""
    from autograder.jobs import judge_one

    if fingerprint != course_fingerprint(graded_with(assignment)):
        raise ClusterError("this worker's course checkout differs from the grading "
                           f"command's (autograder/, dlbook/ or solutions/ of "
                           f"{', '.join(graded_with(assignment))})")
    return judge_one(assignment, isolate, limits, content)


def run_on_cluster(scheduler: str, jobs: Iterator[Job], isolate: bool) -> Iterator[Outcome]:
    """Grade each job on the workers of the Dask scheduler at `scheduler`; yield (job,
    verdict, None) or (job, None, error) as they end.

    A worker that dies mid-notebook (its sandbox dies with it) has its notebooks graded
    again by another worker; results come back here and are saved once.

    Raises:
        ClusterError: no scheduler there, or a worker cannot grade (no sandbox, another
            checkout).
    """
    from distributed import Client
    from distributed import as_completed as completed

    fingerprint = course_fingerprint()
    try:
        client = Client(scheduler, timeout="20s")
        client.wait_for_workers(1, timeout=120)
    except (OSError, TimeoutError) as error:
        raise ClusterError(f"cannot grade on the Dask scheduler {scheduler}: "
                           f"{error}") from None
    with client:
        refusals = {address: reason for address, reason in client.run(
            worker_problem, isolate, fingerprint).items() if reason}
        if refusals:
            raise ClusterError("; ".join(f"worker {address}: {reason}"
                                         for address, reason in sorted(refusals.items())))
        futures = {}
        for job in jobs:
            submission, assignment = job.submission, job.prepared.assignment
            key = (f"grade-{submission.student}-{submission.notebook.assignment}-"
                   f"{submission.notebook.name}-{job.digest[:16]}")
            future = client.submit(judge_on_worker, assignment, isolate, job.prepared.limits,
                                   job.content, course_fingerprint(graded_with(assignment)),
                                   key=key, pure=False)
            futures[future] = job
        for future in completed(futures):
            try:
                yield futures[future], future.result(), None
            except Exception as error:
                yield futures[future], None, error
            future.release()
