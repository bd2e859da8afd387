"""How fast does the sandboxed grader grade a class, next to plain nbgrader?

    python benchmarks/grade_throughput.py [--learners 8]

Builds N full-course submissions (every chapter's notebook, answered with the reference
solutions), then grades the same files twice in one run:
(a) this course's grader (`python -m autograder.grade`): every notebook in a bubblewrap
    sandbox, tests judged outside it, as many notebooks at a time as there are cores;
(b) plain `nbgrader autograde` (no sandbox), one call per chapter for all learners,
    in a throwaway course folder.
Prints seconds per submission (one learner's whole course) and submissions per minute
for both, and their ratio. Run as root with bubblewrap installed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from notebook_tools import filled_in, read  # noqa: E402

from autograder.course import SOLUTIONS_DIR, course_notebooks  # noqa: E402

PLAIN_CONFIG = """c = get_config()
c.CourseDirectory.course_id = "bench"
c.OverwriteCells.add_missing_cells = True
"""


def make_submissions(folder: Path, learners: int) -> list:
    notebooks = course_notebooks()
    for index in range(learners):
        for notebook in notebooks:
            target = folder / f"learner{index:03d}" / notebook.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(filled_in(read(notebook.release), read(notebook.source)), target)
    return notebooks


def run(argv: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   **kwargs)
    return time.perf_counter() - start


def time_our_grader(submissions: Path, scratch: Path) -> float:
    return run([sys.executable, "-m", "autograder.grade", str(submissions),
                "--out", str(scratch / "out"), "--work-dir", str(scratch / "work"),
                "--db-url", f"sqlite:///{scratch / 'gradebook.db'}"], cwd=ROOT)


def time_plain_nbgrader(submissions: Path, notebooks: list, scratch: Path) -> float:
    course = scratch / "course"
    shutil.copytree(SOLUTIONS_DIR, course / "source")
    (course / "nbgrader_config.py").write_text(PLAIN_CONFIG)
    nbgrader = [sys.executable, "-m", "nbgrader"]
    env = {**os.environ, "DLBOOK_CHAPTERS_DIR": str(SOLUTIONS_DIR)}
    assignments = sorted({notebook.assignment for notebook in notebooks})
    for assignment in assignments:  # setting up the course is not part of the timing
        run([*nbgrader, "generate_assignment", assignment, "--force"], cwd=course, env=env)
    for learner in submissions.iterdir():
        for notebook in notebooks:
            target = course / "submitted" / learner.name / notebook.assignment
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(learner / notebook.filename, target / notebook.filename)
    return sum(run([*nbgrader, "autograde", assignment, "--force"], cwd=course, env=env)
               for assignment in assignments)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dlbook-bench-") as tmp:
        scratch = Path(tmp)
        notebooks = make_submissions(scratch / "submissions", args.learners)
        ours = time_our_grader(scratch / "submissions", scratch / "ours")
        plain = time_plain_nbgrader(scratch / "submissions", notebooks, scratch / "plain")
    n = args.learners
    print(f"{n} learners x {len(notebooks)} chapter notebooks, {os.cpu_count()} cores\n")
    print("| grader | seconds per submission | submissions per minute |")
    print("|---|---:|---:|")
    for name, seconds in [("sandboxed, parallel (ours)", ours), ("plain nbgrader autograde",
                                                                  plain)]:
        print(f"| {name} | {seconds / n:.2f} | {60 * n / seconds:.1f} |")
    print(f"\nours is {plain / ours:.1f}x faster per submission")


if __name__ == "__main__":
    main()
