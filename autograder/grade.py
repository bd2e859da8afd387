"""Grade a class's submissions in one command.

    python -m autograder.grade SUBMISSIONS [MORE ...] [--out DIR] [--replace]

SUBMISSIONS is a folder (or a zip of a folder) with one sub-folder per learner, named
after the learner, holding that learner's notebooks (see `autograder.intake`). For every
notebook the command imports it into nbgrader's `submitted` folder, autogrades it with
the hidden tests, writes feedback HTML and adds a row to `grades.csv` in the output
folder. It exits with status 1, naming them, if any file could not be graded; the
others are graded all the same.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import filecmp
import html
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps import NbGraderAPI
from traitlets.config import Config

from autograder.course import AUTOGRADER_DIR, SOLUTIONS_DIR, CourseConfigError, load_config
from autograder.intake import Intake, Problem, Submission

CSV_COLUMNS = ["student", "assignment", "notebook", "status", "score", "max_score",
               "exercises", "reason"]


@dataclass
class Row:
    """One line of grades.csv: a learner's notebook and what became of it."""

    student: str
    assignment: str
    notebook: str
    status: str  # "graded" or "not graded"
    score: float | None = None
    max_score: float | None = None
    exercises: str = ""
    reason: str = ""
    label: str = ""

    def as_csv(self) -> dict:
        def points(value: float | None) -> str:
            return "" if value is None else f"{value:g}"

        return {"student": self.student, "assignment": self.assignment,
                "notebook": self.notebook, "status": self.status, "score": points(self.score),
                "max_score": points(self.max_score), "exercises": self.exercises,
                "reason": self.reason}


@dataclass
class Report:
    """Everything a grading run produced."""

    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    out_dir: Path | None = None

    @property
    def failed(self) -> list[str]:
        return [problem.label for problem in self.problems] + [
            row.label for row in self.rows if row.status != "graded"]


class Grader:
    """Runs nbgrader on submissions, with all grading folders under `work_dir`."""

    def __init__(self, work_dir: Path, db_url: str | None = None) -> None:
        self.work_dir = Path(work_dir).resolve()
        course = {
            "submitted_directory": str(self.work_dir / "submitted"),
            "autograded_directory": str(self.work_dir / "autograded"),
            "feedback_directory": str(self.work_dir / "feedback"),
            # The gradebook needs the assignment's cells, which generate_assignment
            # records; its learner copies go to a scratch folder, never to chapters/.
            "release_directory": str(self.work_dir / "release"),
        }
        if db_url:
            course["db_url"] = db_url
        self.config: Config = load_config(CourseDirectory=course)
        self.db_url: str = self.config.CourseDirectory.db_url
        self.api = NbGraderAPI(config=self.config)
        self._released: set[str] = set()

    def submitted_path(self, submission: Submission) -> Path:
        return (self.work_dir / "submitted" / submission.student
                / submission.notebook.assignment / submission.notebook.filename)

    def import_submission(self, submission: Submission, replace: bool) -> str | None:
        """Copy a submission into nbgrader's folder; return why not, or None."""
        target = self.submitted_path(submission)
        if target.exists() and not filecmp.cmp(target, submission.path, shallow=False):
            if not replace:
                return ("a different notebook from this learner is already waiting to be "
                        f"graded at {target}; rerun with --replace to grade the new one")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(submission.path, target)
        return None

    def grade(self, submission: Submission) -> Row:
        """Autograde one imported submission and write its feedback."""
        notebook = submission.notebook
        row = Row(submission.student, notebook.assignment, notebook.name, "not graded",
                  label=submission.label)
        if notebook.assignment not in self._released:
            result = self.api.generate_assignment(notebook.assignment, force=True, create=True)
            if not result["success"]:
                raise RuntimeError(f"could not prepare {notebook.assignment}: "
                                   f"{result.get('error') or result.get('log')}")
            self._released.add(notebook.assignment)
        result = self.api.autograde(notebook.assignment, submission.student, force=True)
        if not result["success"]:
            row.reason = _last_error_line(result) or "nbgrader could not autograde it"
            return row
        with Gradebook(self.db_url) as gradebook:
            try:
                graded = gradebook.find_submission_notebook(
                    notebook.name, notebook.assignment, submission.student)
            except MissingEntry:
                row.reason = "nbgrader recorded no grade for this notebook"
                return row
            if graded.needs_manual_grade:
                row.reason = ("the notebook could not be run to the end (the kernel died or "
                              "a cell could not be interrupted)")
                return row
            row.score, row.max_score = graded.score, graded.max_score
            row.exercises = " ".join(
                f"{grade.name}={grade.score:g}/{grade.max_score:g}"
                for grade in sorted(graded.grades, key=lambda grade: grade.name))
        row.status = "graded"
        feedback = self.api.generate_feedback(notebook.assignment, submission.student)
        if not feedback["success"]:
            row.reason = "graded, but its feedback could not be written"
        return row

    def feedback_path(self, student: str, assignment: str, name: str) -> Path:
        return self.work_dir / "feedback" / student / assignment / f"{name}.html"


def _last_error_line(result: dict) -> str:
    text = (result.get("error") or "") + "\n" + (result.get("log") or "")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or [""])[-1][:300]


def _problem_feedback(row: Row) -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Not graded</title></head>"
        f"<body><h1>{html.escape(row.assignment)}/{html.escape(row.notebook)}.ipynb "
        "was not graded</h1>"
        f"<p>{html.escape(row.reason)}</p>"
        "<p>Fix this and submit the notebook again.</p></body></html>\n"
    )


def write_outputs(report: Report, grader: Grader, out_dir: Path) -> None:
    """Write grades.csv and each learner's feedback under `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "grades.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in sorted(report.rows, key=lambda r: (r.student, r.assignment, r.notebook)):
            writer.writerow(row.as_csv())
        for problem in report.problems:
            if problem.notebook is None:
                writer.writerow({"student": problem.student or "", "status": "not graded",
                                 "reason": f"{problem.label}: {problem.reason}"})
    for row in report.rows:
        target = out_dir / "feedback" / row.student / row.assignment / f"{row.notebook}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        source = grader.feedback_path(row.student, row.assignment, row.notebook)
        if row.status == "graded" and source.exists():
            shutil.copyfile(source, target)
        else:
            target.write_text(_problem_feedback(row))
    report.out_dir = out_dir


@contextlib.contextmanager
def reference_chapters():
    """Let grading kernels load earlier chapters' reference answers (see dlbook.previous).

    A chapter that reuses earlier chapters' functions is then graded with their reference
    versions, so only its own exercises decide its score.
    """
    before = os.environ.get("DLBOOK_CHAPTERS_DIR")
    os.environ["DLBOOK_CHAPTERS_DIR"] = str(SOLUTIONS_DIR)
    try:
        yield
    finally:
        if before is None:
            del os.environ["DLBOOK_CHAPTERS_DIR"]
        else:
            os.environ["DLBOOK_CHAPTERS_DIR"] = before


def grade_paths(paths: list[Path], out_dir: Path, work_dir: Path,
                db_url: str | None = None, replace: bool = False) -> Report:
    """Grade every notebook found in `paths`; see the module docstring."""
    report = Report()
    grader = Grader(work_dir, db_url)
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
            refused = grader.import_submission(submission, replace)
            if refused:
                report.rows.append(Row(submission.student, submission.notebook.assignment,
                                       submission.notebook.name, "not graded",
                                       reason=refused, label=submission.label))
            else:
                imported.append(submission)
    with reference_chapters():
        report.rows.extend(grader.grade(submission) for submission in imported)
    write_outputs(report, grader, out_dir)
    return report


def print_summary(report: Report) -> None:
    for row in sorted(report.rows, key=lambda r: (r.student, r.assignment)):
        if row.status == "graded":
            print(f"  {row.student:<20} {row.assignment:<14} {row.score:g}/{row.max_score:g}")
        else:
            print(f"  {row.student:<20} {row.assignment:<14} NOT GRADED: {row.reason}")
    for problem in report.problems:
        print(f"  {problem.label}: {problem.reason}")
    print(f"grades: {report.out_dir / 'grades.csv'}")
    print(f"feedback: {report.out_dir / 'feedback'}")
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
                        help="nbgrader's grading folders (default: autograder/work)")
    parser.add_argument("--db-url", help="SQLAlchemy URL of the gradebook "
                        "(default: $DLBOOK_DB_URL or sqlite under autograder/)")
    parser.add_argument("--replace", action="store_true",
                        help="grade a learner's new notebook in place of one already "
                        "waiting in the work folder")
    args = parser.parse_args(argv)
    try:
        report = grade_paths(args.paths, args.out, args.work_dir, args.db_url, args.replace)
    except CourseConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print_summary(report)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
