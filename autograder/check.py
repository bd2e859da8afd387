"""Grade your own notebook against its visible tests, before you submit it.

    python -m autograder.check chapters/01_neuron/neuron.ipynb

This is the grader's own scoring engine (`autograder.judge`), run on the visible tests:
your notebook runs from top to bottom in a separate process (in the grader's sandbox
where bubblewrap is installed and you are root, else as an ordinary process; your file
is not changed), and the course's original visible test cells (from
`chapters/<chapter>/`, not your copy of them) call your functions and score them
exactly as the grader does. It prints each exercise's points and exits with status 0
when every visible test passes, 1 when one fails, 2 when the notebook cannot be read.
The hidden tests run only when your notebook is graded, so passing here is necessary,
not enough.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from autograder.confine import UidLease
from autograder.course import SOLUTIONS_DIR, course_notebooks
from autograder.intake import notebook_problem, read_submitted
from autograder.jobs import FIRST_UID, UID_RANGE
from autograder.judge import Assignment, Judge, load_assignment
from autograder.results import Verdict
from autograder.sandbox import Limits, SandboxSpec, bwrap_available
from dlbook.devices import quiet_tensorflow
from dlbook.notebook_format import parse_notebook

CHECK_UID = 64999  # the sandbox's user id when the check runs sandboxed (as root), if free


class NotACourseNotebook(ValueError):
    """The file is not named like any chapter's notebook."""


def visible_assignment(filename: str) -> Assignment:
    """The judge's view of a chapter with its visible tests only, from the released
    (learner) notebook of the course, whatever the learner did to their copy.

    Raises:
        NotACourseNotebook: no chapter has a notebook called `filename`.
    """
    by_filename = {notebook.filename: notebook for notebook in course_notebooks()}
    if filename not in by_filename:
        raise NotACourseNotebook(
            f"no chapter has a notebook called {filename!r} (expected one of: "
            f"{', '.join(sorted(by_filename))}); keep the file's name")
    release = by_filename[filename].release
    return load_assignment(release, release)


def sandbox_spec(assignment: Assignment, learner_dir: Path, isolate: bool,
                 call_s: float | None = None) -> SandboxSpec:
    """Where the grader would mount earlier chapters, the check does too: the reference
    answers in `solutions/` when this checkout has them (so a chapter is scored as the
    grader scores it, with only its own exercises counting), else the learner's own
    chapters beside the notebook."""
    chapters = {}
    for name in assignment.chapters:
        reference = SOLUTIONS_DIR / name
        chapters[name] = reference if reference.is_dir() else learner_dir.parent / name
    limits = Limits.from_settings(assignment.grading)
    if call_s is not None:
        limits = dataclasses.replace(limits, call_s=float(call_s))
    return SandboxSpec(uid=CHECK_UID, chapters=chapters, isolate=isolate, limits=limits)


def run_checks(path: Path, timeout: float | None = None, isolate: bool | None = None,
               skip_demonstrations: bool = True) -> Verdict:
    """Score the notebook at `path` on its visible tests with the grader's engine.

    Args:
        timeout: seconds per cell and per call of a function (default: the chapter's).
        isolate: run the notebook in the sandbox (default: when it is available here).
        skip_demonstrations: leave out the demonstration cells you did not change, as
            the grader does (autograder.demonstrations).
    """
    path = Path(path)
    assignment = dataclasses.replace(visible_assignment(path.name),
                                     skip_demonstrations=skip_demonstrations)
    if isolate is None:
        isolate = bwrap_available() is None
    spec = sandbox_spec(assignment, path.resolve().parent, isolate, timeout)
    notebook = parse_notebook(read_submitted(path), str(path))
    if not spec.isolate:
        return Judge(assignment, spec).judge(notebook)
    # CHECK_UID unless a notebook graded or checked at the same time holds it.
    with UidLease(FIRST_UID, UID_RANGE, CHECK_UID) as lease:
        return Judge(assignment, dataclasses.replace(spec, uid=lease.uid)).judge(notebook)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.check",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--timeout", type=float,
                        help="seconds per cell and per function call (default: the chapter's, "
                        f"{Limits.call_s:g} s for most)")
    parser.add_argument("--run-demonstrations", action="store_true",
                        help="run the demonstration cells you did not change too (slower; "
                        "the points are the same)")
    args = parser.parse_args(argv)
    if not args.notebook.is_file():
        print(f"error: {args.notebook}: no such notebook")
        return 2
    if reason := notebook_problem(args.notebook):
        print(f"error: {args.notebook}: {reason}")
        return 2
    quiet_tensorflow()
    try:
        verdict = run_checks(args.notebook, args.timeout,
                             skip_demonstrations=not args.run_demonstrations)
    except NotACourseNotebook as error:
        print(f"error: {args.notebook}: {error}")
        return 2
    if not verdict.outcomes:
        print(f"error: {args.notebook} has no test cells; is it a course notebook?")
        return 2
    for note in verdict.notes:
        print(f"Note: {note}.")
    if verdict.skipped_line:
        print(f"{verdict.skipped_line}.")
    if verdict.notes or verdict.skipped_line:
        print()
    for outcome in verdict.outcomes:
        passed = outcome.points == outcome.max_points
        print(f"{outcome.label:<14} {outcome.points:g}/{outcome.max_points:g}  "
              f"{'passed' if passed else 'FAILED'}")
        if outcome.message and not passed:
            print(f"    {outcome.message}")
        if outcome.diagnosis and not passed:
            print(f"    Likely mistake: {outcome.diagnosis}")
    total = sum(outcome.max_points for outcome in verdict.outcomes)
    failed = [outcome for outcome in verdict.outcomes if outcome.points < outcome.max_points]
    print(f"\nScore on the visible tests: {verdict.score:g}/{total:g}.")
    if failed:
        print(f"{len(failed)} exercise(s) to fix: {', '.join(o.label for o in failed)}.")
        return 1
    print("All visible tests pass. Hidden tests run when your notebook is graded.")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main())
