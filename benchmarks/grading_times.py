"""How long each chapter takes to grade and to check, against its time limit.

    python benchmarks/grading_times.py [--chapters 06_sgd 09_convolution]

For every chapter (or those named), one submission answered with the reference solutions:
(a) graded alone by `python -m autograder.grade --jobs 1` (sandboxed, unchanged
    demonstrations skipped): the seconds the judge spent on the notebook (the time its
    budget limits, as the gradebook records it), next to the chapter's budget
    (`dlbook.grading.budget_s`, else the grader's default) and their ratio;
(b) the same notebook graded with `--run-demonstrations`;
(c) the learner's check, `python -m autograder.check` on the same file, wall-clock from
    the command's start to its exit (its results print together at the end, so this is
    also the time to its first result), with and without skipping.
Prints one Markdown table and the machine's load. Run as root with bubblewrap installed,
like the grader. The budgets must leave room for a machine grading one notebook per core
and for slower machines: the table's last column says how much.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from notebook_tools import filled_in, read  # noqa: E402

from autograder.course import course_notebooks  # noqa: E402
from autograder.judge import load_assignment  # noqa: E402
from autograder.sandbox import Limits  # noqa: E402


def environment() -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")]),
            "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}


def graded_seconds(submissions: Path, scratch: Path, skip: bool) -> dict[str, float]:
    """assignment -> the judge's seconds for the one learner's notebook of that chapter."""
    db = scratch / "gradebook.db"
    result = subprocess.run(
        [sys.executable, "-m", "autograder.grade", str(submissions), "--jobs", "1",
         "--out", str(scratch / "out"), "--work-dir", str(scratch / "work"),
         "--db-url", f"sqlite:///{db}", *([] if skip else ["--run-demonstrations"])],
        cwd=ROOT, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise SystemExit(f"grading failed:\n{result.stdout.decode(errors='replace')[-3000:]}")
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT assignment, result FROM dlbook_graded").fetchall()
    return {assignment: json.loads(text)["seconds"] for assignment, text in rows}


def check_seconds(path: Path, skip: bool) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "autograder.check", str(path),
         *([] if skip else ["--run-demonstrations"])],
        cwd=path.parent, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"the check of {path} failed:\n"
                         f"{result.stdout.decode(errors='replace')[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapters", nargs="*", help="assignment ids (default: all)")
    args = parser.parse_args()
    notebooks = [notebook for notebook in course_notebooks()
                 if notebook.release.is_file()
                 and (not args.chapters or notebook.assignment in args.chapters)]
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="dlbook-times-") as tmp:
        scratch = Path(tmp)
        learner = scratch / "submissions" / "learner000"
        learner.mkdir(parents=True)
        for notebook in notebooks:
            nbformat.write(filled_in(read(notebook.release), read(notebook.source)),
                           learner / notebook.filename)
        skipped = graded_seconds(scratch / "submissions", scratch / "skip", skip=True)
        everything = graded_seconds(scratch / "submissions", scratch / "all", skip=False)
        # The check reads the chapter's earlier notebooks beside the file, as a learner's
        # checkout has them: check each in a copy of the course's chapters/ folder.
        chapters = scratch / "chapters"
        for notebook in course_notebooks():
            if not notebook.release.is_file():  # a chapter not released yet
                continue
            target = chapters / notebook.assignment / notebook.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(filled_in(read(notebook.release), read(notebook.source)), target)
        print(f"{os.cpu_count()} cores, load {load:.1f} at the start, "
              f"{os.getloadavg()[0]:.1f} now\n")
        print("| chapter | graded (s) | graded, all cells (s) | budget (s) | budget / graded "
              "| check (s) | check, all cells (s) |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for notebook in notebooks:
            budget = Limits.from_settings(
                load_assignment(notebook.source, notebook.release).grading).budget_s
            path = chapters / notebook.assignment / notebook.filename
            check_skip, check_all = check_seconds(path, True), check_seconds(path, False)
            seconds = skipped[notebook.assignment]
            print(f"| {notebook.assignment} | {seconds:.1f} | "
                  f"{everything[notebook.assignment]:.1f} | {budget:g} | "
                  f"{budget / seconds:.0f}x | {check_skip:.1f} | {check_all:.1f} |",
                  flush=True)


if __name__ == "__main__":
    main()
