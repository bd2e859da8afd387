"""How fast does the sandboxed grader grade a class, next to plain nbgrader?

    python benchmarks/grade_throughput.py [--learners 8]

Builds N full-course submissions (every chapter's notebook, answered with the reference
solutions), then, in one run:
(a) grades them with this course's grader (`python -m autograder.grade`): every notebook
    in a bubblewrap sandbox, tests judged outside it, as many notebooks at a time as
    there are cores, the unchanged demonstration cells left out (autograder.demonstrations);
(b) the same with `--run-demonstrations`: every code cell run, as before skipping existed;
(c) grades them with plain `nbgrader autograde` (no sandbox), one call per chapter for
    all learners, in a throwaway course folder;
(d) measures two floors: the same notebooks' code run one after another in one plain
    Python process (no kernel, no sandbox, no tests), every code cell but the tests, and
    only the cells (a) runs.
Prints seconds per submission (one learner's whole course) and submissions per minute
for each; the last line is `speed-up over plain nbgrader: N.Nx; over ours without
skipping: M.Mx`. Run as root with bubblewrap installed;
it works from a plain shell (the virtual environment need not be activated).
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


def environment(**extra: str) -> dict[str, str]:
    """This environment with the interpreter's folder first on PATH: nbgrader runs the
    tools of its environment (`alembic`) as commands, which a plain shell would not find
    unless the virtual environment were activated."""
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")]),
            "MPLBACKEND": "Agg", **extra}


def run(argv: list[str], tolerate: bool = False, **kwargs) -> float:
    """Seconds `argv` took; it must succeed unless `tolerate` (then a failure is noted)."""
    kwargs.setdefault("env", environment())
    start = time.perf_counter()
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kwargs)
    if result.returncode != 0 and tolerate:
        print(f"note: {' '.join(map(str, argv[-3:]))} exited with {result.returncode} "
              "(a notebook failed or timed out); its time is counted", flush=True)
    elif result.returncode != 0:
        tail = result.stdout.decode(errors="replace")[-3000:]
        raise SystemExit(f"{' '.join(map(str, argv))} failed ({result.returncode}):\n{tail}")
    return time.perf_counter() - start


def time_our_grader(submissions: Path, scratch: Path, skip: bool = True) -> float:
    return run([sys.executable, "-m", "autograder.grade", str(submissions),
                "--out", str(scratch / "out"), "--work-dir", str(scratch / "work"),
                "--db-url", f"sqlite:///{scratch / 'gradebook.db'}",
                *([] if skip else ["--run-demonstrations"])], cwd=ROOT)


def time_plain_nbgrader(submissions: Path, notebooks: list, scratch: Path) -> float:
    course = scratch / "course"
    shutil.copytree(SOLUTIONS_DIR, course / "source")
    (course / "nbgrader_config.py").write_text(PLAIN_CONFIG)
    nbgrader = [sys.executable, "-m", "nbgrader"]
    env = environment(DLBOOK_CHAPTERS_DIR=str(SOLUTIONS_DIR))
    assignments = sorted({notebook.assignment for notebook in notebooks})
    for assignment in assignments:  # setting up the course is not part of the timing
        run([*nbgrader, "generate_assignment", assignment, "--force"], cwd=course, env=env)
    for learner in submissions.iterdir():
        for notebook in notebooks:
            target = course / "submitted" / learner.name / notebook.assignment
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(learner / notebook.filename, target / notebook.filename)
    return sum(run([*nbgrader, "autograde", assignment, "--force"], tolerate=True,
                   cwd=course, env=env) for assignment in assignments)


FLOOR = """
import sys, time
from pathlib import Path

import matplotlib
import nbformat

matplotlib.use("Agg")
sys.path.insert(0, sys.argv[1])
from autograder.demonstrations import released_checksums, runnable_cells  # noqa: E402

released = {path.name: released_checksums(nbformat.read(path, as_version=4))
            for path in Path(sys.argv[1], "chapters").glob("*/*.ipynb")}
start = time.perf_counter()
for path in sorted(Path(sys.argv[2]).glob("*/*.ipynb")):
    namespace = {"__name__": "__main__"}
    notebook = nbformat.read(path, as_version=4)
    cells, _ = runnable_cells(notebook, released[path.name], skip=sys.argv[3] == "skip")
    for source in cells:
        exec(compile(source, str(path), "exec"), namespace)
    matplotlib.pyplot.close("all")
print(time.perf_counter() - start)
"""


def time_floor(submissions: Path, skip: bool) -> float:
    """The notebooks' own code, every submission, one plain Python process (its start-up
    and imports included, once): every code cell but the tests, or only those the
    grader runs when it leaves out unchanged demonstrations."""
    env = environment(DLBOOK_CHAPTERS_DIR=str(SOLUTIONS_DIR))
    return run([sys.executable, "-c", FLOOR, str(ROOT), str(submissions),
                "skip" if skip else "all"], env=env, cwd=submissions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dlbook-bench-") as tmp:
        scratch = Path(tmp)
        notebooks = make_submissions(scratch / "submissions", args.learners)
        ours = time_our_grader(scratch / "submissions", scratch / "ours")
        print(f"ours: {ours / args.learners:.2f} s per submission", flush=True)
        ours_all = time_our_grader(scratch / "submissions", scratch / "ours-all", skip=False)
        print(f"ours without skipping: {ours_all / args.learners:.2f} s per submission",
              flush=True)
        plain = time_plain_nbgrader(scratch / "submissions", notebooks, scratch / "plain")
        print(f"plain nbgrader: {plain / args.learners:.2f} s per submission", flush=True)
        floor_all = time_floor(scratch / "submissions", skip=False)
        floor_run = time_floor(scratch / "submissions", skip=True)
    n = args.learners
    print(f"{n} learners x {len(notebooks)} chapter notebooks, {os.cpu_count()} cores\n")
    print("| grader | seconds per submission | submissions per minute |")
    print("|---|---:|---:|")
    for name, seconds in [("ours: sandboxed, parallel, unchanged demonstrations skipped", ours),
                          ("ours without skipping (--run-demonstrations)", ours_all),
                          ("plain nbgrader autograde", plain),
                          ("floor: every code cell, one process, no tests", floor_all),
                          ("floor: the cells ours runs, one process, no tests", floor_run)]:
        print(f"| {name} | {seconds / n:.2f} | {60 * n / seconds:.1f} |")
    print(f"\nours takes {ours / floor_run:.1f}x the floor of the cells it runs "
          "(target: at most 1.5x)")
    print(f"speed-up over plain nbgrader: {plain / ours:.1f}x; "
          f"over ours without skipping: {ours_all / ours:.1f}x")


if __name__ == "__main__":
    main()
