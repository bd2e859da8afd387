"""Grade a class's submissions in one command, safely.

    python -m autograder.grade SUBMISSIONS [MORE ...] [--out DIR] [--replace] [--jobs N]
                               [--scheduler ADDRESS]

SUBMISSIONS is a folder (or a zip of a folder) with one sub-folder per learner, named
after the learner, holding that learner's notebooks (see `autograder.intake`). Each
notebook runs in a sandbox (`autograder.sandbox`) and is scored by the instructor's
tests running outside it (`autograder.judge`), several notebooks at a time. Scores go
to nbgrader's gradebook (`autograder.gradebook`); feedback pages and `grades.csv` go
to the output folder. A notebook graded before, unchanged, is not graded again, so a
run that was killed can simply be started again. The command exits with status 1,
naming them, if any file could not be graded; the others are graded all the same: an
error while reading one file costs that file, an error while preparing one chapter
costs that chapter's notebooks.

With `--scheduler ADDRESS` the notebooks are graded by the workers of a Dask
distributed cluster instead of local processes (each worker host needs the same
course checkout and bubblewrap); everything else (sandbox, limits, gradebook, CSV,
feedback, resuming) is the same.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime
import hashlib
import itertools
import os
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.apps import NbGraderAPI
from sqlalchemy.exc import SAWarning

from autograder import feedback
from autograder import report as class_report
from autograder.course import AUTOGRADER_DIR, CourseConfigError, Notebook, load_config
from autograder.dask_jobs import ClusterError, run_on_cluster
from autograder.gradebook import GradeStore
from autograder.intake import Intake, Problem, Submission, read_submitted
from autograder.jobs import Job, Outcome, Prepared, run_locally
from autograder.judge import Assignment, load_assignment
from autograder.results import CSV_COLUMNS, Row, Verdict
from autograder.sandbox import Limits, bwrap_available
from dlbook.devices import quiet_tensorflow

__all__ = ["CSV_COLUMNS", "ClusterError", "Grader", "Report", "Row", "grade_paths", "main"]

quiet_tensorflow()  # chapter 8's tests import TensorFlow here, in the trusted process


class ChapterError(RuntimeError):
    """A chapter could not be prepared for grading (its notebooks are not graded)."""


@dataclass
class Report:
    """Everything a grading run produced."""

    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    out_dir: Path | None = None
    class_report: str = ""  # the line saying where the class report went

    @property
    def failed(self) -> list[str]:
        return [problem.label for problem in self.problems] + [
            row.label for row in self.rows if row.status != "graded"]


def _failure(error: BaseException) -> str:
    return (f"the grader failed on this notebook ({type(error).__name__}: {error}); "
            "tell the course staff")


class Grader:
    """Grades submissions with all working folders under `work_dir`."""

    def __init__(self, work_dir: Path, db_url: str | None = None, isolate: bool = True,
                 jobs: int | None = None, limits: Limits | None = None,
                 budget_s: float | None = None, scheduler: str | None = None,
                 skip_demonstrations: bool = True) -> None:
        self.work_dir = Path(work_dir).resolve()
        self.skip_demonstrations = skip_demonstrations
        course = {
            "submitted_directory": str(self.work_dir / "submitted"),
            # The gradebook needs the assignment's cells, which generate_assignment
            # records; its learner copies go to a scratch folder, never to chapters/.
            "release_directory": str(self.work_dir / "release"),
        }
        if db_url:
            course["db_url"] = db_url
        self.config = load_config(CourseDirectory=course)
        self.db_url: str = self.config.CourseDirectory.db_url
        self.isolate, self.jobs = isolate, jobs or os.cpu_count() or 1
        self.limits, self.budget_s = limits, budget_s
        self.scheduler = scheduler
        self._prepared: dict[str, Prepared | ChapterError] = {}

    def submitted_path(self, submission: Submission) -> Path:
        return (self.work_dir / "submitted" / submission.student
                / submission.notebook.assignment / submission.notebook.filename)

    def import_submission(self, submission: Submission, replace: bool) -> str | None:
        """Copy a submission into the work folder; return why not, or None."""
        target = self.submitted_path(submission)
        if target.is_symlink():
            return "the copy waiting in the work folder is a symbolic link; remove it"
        if target.exists() and target.samefile(submission.path):
            return None  # graded where nbgrader collect put it
        content = read_submitted(submission.path)  # never through a link
        if target.exists() and target.read_bytes() != content:
            if not replace:
                return ("a different notebook from this learner is already waiting to be "
                        f"graded at {target}; rerun with --replace to grade the new one")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        return None

    def assignment(self, notebook: Notebook) -> Assignment:
        """The judge's view of a chapter, recorded in the gradebook on first use."""
        return self.prepare(notebook).assignment

    def prepare(self, notebook: Notebook) -> Prepared:
        """A chapter's assignment and limits, made once per run.

        Raises:
            ChapterError: the chapter could not be prepared (nbgrader's setup failed, its
                grading metadata is wrong, ...); raised again for each of its notebooks.
        """
        if notebook.assignment not in self._prepared:
            try:
                self._prepared[notebook.assignment] = self._prepare(notebook)
            except Exception as error:  # costs this chapter's notebooks only
                self._prepared[notebook.assignment] = ChapterError(
                    f"the grader could not prepare chapter {notebook.assignment} "
                    f"({type(error).__name__}: {error}); tell the course staff")
        prepared = self._prepared[notebook.assignment]
        if isinstance(prepared, ChapterError):
            raise prepared
        return prepared

    def _prepare(self, notebook: Notebook) -> Prepared:
        api = NbGraderAPI(config=self.config)
        result = api.generate_assignment(notebook.assignment, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader could not set up {notebook.assignment}: "
                               f"{result.get('error') or result.get('log')}")
        release = self.work_dir / "release" / notebook.assignment / notebook.filename
        assignment = dataclasses.replace(load_assignment(notebook.source, release),
                                         skip_demonstrations=self.skip_demonstrations)
        return Prepared(assignment, self.limits_for(assignment))

    def limits_for(self, assignment: Assignment) -> Limits:
        """Limits given to the grader win; else the chapter's own (its notebook's
        `metadata.dlbook.grading`, e.g. more memory for TensorFlow) over the defaults.
        A budget given on the command line replaces the chapter's."""
        limits = self.limits or Limits.from_settings(assignment.grading)
        return dataclasses.replace(limits, budget_s=self.budget_s) if self.budget_s else limits

    def grade(self, submissions: list[Submission], regrade: bool = False) -> list[Row]:
        """Grade submissions in parallel; unchanged ones graded before are reused.

        Chapters are prepared one after another while the notebooks of those already
        prepared are being graded.
        """
        store = GradeStore(self.db_url, self.config.CourseDirectory.course_id)
        rows: list[Row] = []
        try:
            for job, verdict, error in self._run(self._jobs(submissions, store, regrade, rows)):
                submission = job.submission
                if error is not None:  # a grader bug must cost one notebook only
                    rows.append(self._not_graded(submission, _failure(error)))
                    continue
                try:
                    store.save(submission.student, submission.notebook.assignment,
                               submission.notebook.name, job.digest, verdict)
                except Exception as error:
                    rows.append(self._not_graded(submission, (
                        f"graded, but the grade could not be saved in the gradebook "
                        f"({type(error).__name__}: {error}); tell the course staff")))
                    continue
                rows.append(self._row(submission, verdict, job.prepared.assignment))
        finally:
            store.close()
        return rows

    def _jobs(self, submissions: list[Submission], store: GradeStore, regrade: bool,
              rows: list[Row]) -> Iterator[Job]:
        """The notebooks to grade, chapter by chapter; rows for the others go to `rows`."""
        for submission in sorted(submissions, key=lambda s: (s.notebook.assignment,
                                                             s.student)):
            try:
                prepared = self.prepare(submission.notebook)
                content = read_submitted(self.submitted_path(submission))
                digest = hashlib.sha256(content).hexdigest()
                done = None if regrade else store.previous(
                    submission.student, submission.notebook.assignment,
                    submission.notebook.name, digest)
            except ChapterError as error:
                rows.append(self._not_graded(submission, str(error)))
                continue
            except Exception as error:  # costs this notebook only
                rows.append(self._not_graded(submission, _failure(error)))
                continue
            if done is not None:
                rows.append(self._row(submission, done, prepared.assignment, reused=True))
            else:
                yield Job(submission, digest, prepared, content)

    def _run(self, jobs: Iterator[Job]) -> Iterator[Outcome]:
        """Grade each job, in local processes (`autograder.jobs`) or on a Dask cluster
        (`autograder.dask_jobs`); yield (job, verdict, None) or (job, None, error) as
        they end."""
        first = next(jobs, None)
        if first is None:
            return
        jobs = itertools.chain([first], jobs)
        if self.scheduler:
            yield from run_on_cluster(self.scheduler, jobs, self.isolate)
        else:
            yield from run_locally(jobs, self.jobs, self.isolate)

    @staticmethod
    def _not_graded(submission: Submission, reason: str) -> Row:
        notebook = submission.notebook
        return Row(submission.student, notebook.assignment, notebook.name, "not graded",
                   label=submission.label, reason=reason)

    @staticmethod
    def _row(submission: Submission, verdict: Verdict, assignment: Assignment,
             reused: bool = False) -> Row:
        notebook = submission.notebook
        return Row(submission.student, notebook.assignment, notebook.name, "graded",
                   verdict.score, assignment.max_score,
                   " ".join(f"{o.grade_id}={o.points:g}/{o.max_points:g}"
                            for o in verdict.outcomes),
                   "; ".join(verdict.notes), submission.label, verdict, reused)


def write_outputs(report: Report, out_dir: Path) -> None:
    """Write grades.csv and each learner's feedback page under `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "grades.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in sorted(report.rows, key=lambda r: (r.student, r.assignment, r.notebook)):
            writer.writerow(row.as_csv())
        for problem in report.problems:
            writer.writerow({"student": problem.student or "", "status": "not graded",
                             "reason": f"{problem.label}: {problem.reason}"})
    for row in report.rows:
        target = out_dir / "feedback" / row.student / row.assignment / f"{row.notebook}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(feedback.render(row.student, row.assignment, row.notebook,
                                          row.verdict, row.reason))
    report.out_dir = out_dir


def grade_paths(paths: list[Path], out_dir: Path, work_dir: Path, db_url: str | None = None,
                replace: bool = False, isolate: bool = True, jobs: int | None = None,
                regrade: bool = False, limits: Limits | None = None,
                budget_s: float | None = None, scheduler: str | None = None,
                skip_demonstrations: bool = True) -> Report:
    """Grade every notebook found in `paths`; see the module docstring."""
    report = Report()
    grader = Grader(work_dir, db_url, isolate=isolate, jobs=jobs, limits=limits,
                    budget_s=budget_s, scheduler=scheduler,
                    skip_demonstrations=skip_demonstrations)
    with Intake() as intake:
        for path in paths:
            intake.add(Path(path))
        intake.finish()
        for problem in intake.problems:
            if problem.notebook is not None and problem.student is not None:
                report.rows.append(Row(problem.student, problem.notebook.assignment,
                                       problem.notebook.name, "not graded",
                                       reason=problem.reason, label=problem.label))
            else:
                report.problems.append(problem)
        imported = []
        for submission in intake.submissions:
            try:
                refused = grader.import_submission(submission, replace)
            except Exception as error:  # costs this notebook only
                refused = (f"the grader could not copy this notebook ({type(error).__name__}: "
                           f"{error}); tell the course staff")
            if refused:
                report.rows.append(grader._not_graded(submission, refused))
            else:
                imported.append(submission)
    report.rows.extend(grader.grade(imported, regrade=regrade))
    write_outputs(report, out_dir)
    report.class_report = class_report.after_run(report.rows, report.problems, grader.db_url,
                                                 out_dir)
    return report


def print_summary(report: Report) -> None:
    for row in sorted(report.rows, key=lambda r: (r.student, r.assignment)):
        if row.status == "graded":
            print(f"  {row.student:<20} {row.assignment:<14} {row.score:g}/{row.max_score:g}")
        else:
            print(f"  {row.student:<20} {row.assignment:<14} NOT GRADED: {row.reason}")
    for problem in report.problems:
        print(f"  {problem.label}: {problem.reason}")
    reused = sum(row.reused for row in report.rows)
    if reused:
        print(f"{reused} notebook(s) graded before and unchanged were not graded again "
              "(--regrade grades them anyway).")
    print(f"grades: {report.out_dir / 'grades.csv'}")
    print(f"feedback: {report.out_dir / 'feedback'}")
    if report.class_report:
        print(report.class_report)
    if report.failed:
        print(f"{len(report.failed)} file(s) could not be graded:")
        for label in report.failed:
            print(f"  - {label}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder.grade", description=__doc__.split("\n\n")[0],
        epilog="Exit status: 0 all graded, 1 something could not be graded, 2 bad usage.")
    parser.add_argument("paths", nargs="+", type=Path,
                        help="folders or zip files of submissions")
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    parser.add_argument("--out", type=Path, default=AUTOGRADER_DIR / "results" / stamp,
                        help="where grades.csv and feedback/ go "
                        "(default: a new folder under autograder/results/)")
    parser.add_argument("--work-dir", type=Path, default=AUTOGRADER_DIR / "work",
                        help="where submissions are kept for grading (default: autograder/work)")
    parser.add_argument("--db-url", help="SQLAlchemy URL of the gradebook "
                        "(default: $DLBOOK_DB_URL or sqlite under autograder/)")
    parser.add_argument("--replace", action="store_true",
                        help="grade a learner's new notebook in place of one already "
                        "waiting in the work folder")
    parser.add_argument("--regrade", action="store_true",
                        help="grade again notebooks already graded, unchanged")
    parser.add_argument("--jobs", type=int, help="notebooks graded at once (default: cores)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="grade on the workers of this Dask scheduler, e.g. "
                        "tcp://10.0.0.5:8786 (default: local processes)")
    parser.add_argument("--budget", type=float,
                        help="seconds allowed for one notebook and all its tests (default: "
                        f"{Limits.budget_s:g}, or the chapter's own setting)")
    parser.add_argument("--run-demonstrations", action="store_true",
                        help="run the demonstration cells a learner left unchanged too "
                        "(the scores are the same; grading takes longer)")
    parser.add_argument("--unsafe-no-sandbox", action="store_true",
                        help="run learner code without the sandbox (never for real grading)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's, not ours
    isolate = not args.unsafe_no_sandbox
    if isolate and not args.scheduler and (reason := bwrap_available()):
        print(f"error: cannot sandbox learner code: {reason}.\nRefusing to grade. "
              "(--unsafe-no-sandbox runs it unconfined; never use that for real grading.)",
              file=sys.stderr)
        return 2
    if not isolate:
        print("WARNING: GRADING WITHOUT A SANDBOX. Learner code runs as you, can read the "
              "solutions and the gradebook, and can reach the network.", file=sys.stderr)
    try:
        report = grade_paths(args.paths, args.out, args.work_dir, args.db_url, args.replace,
                             isolate=isolate, jobs=args.jobs, regrade=args.regrade,
                             budget_s=args.budget, scheduler=args.scheduler,
                             skip_demonstrations=not args.run_demonstrations)
    except (CourseConfigError, ClusterError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print_summary(report)
    return 1 if report.failed else 0


if __name__ == "__main__":
    # The module's own copy, not `__main__`'s: what the run sends to pool processes and
    # Dask workers must name functions they can import.
    from autograder.grade import main as grade_main

    sys.exit(grade_main())
