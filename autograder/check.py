"""Grade your own notebook against its visible tests, before you submit it.

    python -m autograder.check chapters/01_neuron/neuron.ipynb

Runs a copy of the notebook from top to bottom (your file is not changed), scores every
test cell the way the autograder does, prints a summary and exits with status 0 when
every test passes, 1 when one fails, 2 when the notebook cannot be read. The hidden
tests run only when your notebook is graded, so passing here is necessary, not enough.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.utils import determine_grade, is_grade

from autograder.intake import notebook_problem
from autograder.judge import exercise_label

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Result:
    """The outcome of one test cell."""

    label: str
    points: float
    max_points: float
    message: str


def _message(cell: nbformat.NotebookNode) -> str:
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            return ANSI.sub("", f"{output.ename}: {output.evalue}")
        if output.output_type == "stream" and output.name == "stderr":
            first = output.text.strip().splitlines()[:1]
            return ("wrote to stderr (a warning?), which the autograder scores as a failure: "
                    + (first[0] if first else ""))
    return ""


def run_checks(path: Path, timeout: int = 120) -> list[Result]:
    """Execute a copy of the notebook and score each of its test cells."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, allow_errors=True,
                            kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    try:
        client.execute()
    except (CellTimeoutError, DeadKernelError) as error:
        print(f"warning: the run stopped early: {error}")
    results = []
    for cell in notebook.cells:
        if cell.cell_type == "code" and is_grade(cell):
            points, max_points = determine_grade(cell)
            ran = cell.get("execution_count") is not None or cell.get("outputs")
            message = _message(cell) if ran else "did not run (an earlier cell stopped the run)"
            if not ran:
                points = 0
            results.append(Result(exercise_label(cell), points or 0, max_points, message))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.check",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    args = parser.parse_args(argv)
    if not args.notebook.is_file():
        print(f"error: {args.notebook}: no such notebook")
        return 2
    if reason := notebook_problem(args.notebook):
        print(f"error: {args.notebook}: {reason}")
        return 2
    results = run_checks(args.notebook, args.timeout)
    if not results:
        print(f"error: {args.notebook} has no test cells; is it a course notebook?")
        return 2
    for result in results:
        verdict = "passed" if result.points == result.max_points else "FAILED"
        print(f"{result.label:<14} {result.points:g}/{result.max_points:g}  {verdict}")
        if result.message and verdict != "passed":
            print(f"    {result.message}")
    score = sum(result.points for result in results)
    total = sum(result.max_points for result in results)
    failed = [result for result in results if result.points < result.max_points]
    print(f"\nScore on the visible tests: {score:g}/{total:g}.")
    if failed:
        print(f"{len(failed)} exercise(s) to fix: {', '.join(r.label for r in failed)}.")
        return 1
    print("All visible tests pass. Hidden tests run when your notebook is graded.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
