"""The test suite's runner for the wrong-answer catalogue (autograder/mistakes/).

The catalogue itself is part of the course package (`autograder.mistakes`, one module per
chapter, `Wrong(exercise, mistake, source, hint)`): the grader uses it to name a learner's
likely mistake. A wrong answer is the full source of an answer cell that makes one
classic mistake. `run_test_cell` puts it in
place of the reference answer (in a namespace built from the instructor notebook the
way `dlbook.previous` builds a chapter: imports, `load_chapter` lines, given definitions
and reference answers), then runs that exercise's test cell, visible and hidden tests
together, as the grader does: the cell passes when it raises nothing and writes nothing
to stderr.
"""

from __future__ import annotations

import contextlib
import io
import signal
import types
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from notebook_tools import graded_test_cells, read, without_markers

import autograder.mistakes
from autograder.course import Notebook, course_notebooks
from autograder.mistakes import Wrong, catalogue
from dlbook.previous import load_notebook_functions

CATALOGUE_DIR = Path(autograder.mistakes.__file__).parent  # chNN_<name>.py, one per chapter
SECONDS_PER_CELL = 120


@dataclass(frozen=True)
class Chapter:
    notebook: Notebook
    wrong: list[Wrong]


def chapter_notebook(assignment: str) -> Notebook:
    for notebook in course_notebooks():
        if notebook.assignment == assignment:
            return notebook
    raise LookupError(f"no chapter {assignment!r} in solutions/")


def load_catalogue() -> list[Chapter]:
    """Every catalogue file, in chapter order."""
    return [Chapter(chapter_notebook(assignment), wrong)
            for assignment, wrong in catalogue().items()]


def wrong_answer(assignment: str, exercise: str, mistake: str) -> str:
    """The source of the catalogue entry for `exercise` whose mistake starts with
    `mistake` (for tests that grade a catalogued wrong answer another way)."""
    for chapter in load_catalogue():
        if chapter.notebook.assignment == assignment:
            found = [wrong.source for wrong in chapter.wrong
                     if wrong.exercise == exercise and wrong.mistake.startswith(mistake)]
            if len(found) == 1:
                return found[0]
            raise LookupError(f"{len(found)} entries for {exercise}: {mistake!r}")
    raise LookupError(f"no catalogue for chapter {assignment!r}")


def _namespace(notebook: Notebook) -> dict:
    """The globals shared by a chapter's reference answers (a fresh copy per call)."""
    loaded = load_notebook_functions(notebook.source)
    for value in vars(loaded).values():
        if isinstance(value, types.FunctionType) and \
                value.__globals__.get("__name__") == f"chapter_{notebook.source.stem}":
            return value.__globals__
    raise LookupError(f"{notebook.source} defines no function")


class CellTimeout(Exception):
    """A test cell ran longer than SECONDS_PER_CELL."""


def _on_alarm(signum, frame):
    raise CellTimeout(f"the test cell ran longer than {SECONDS_PER_CELL} s")


def run_test_cell(notebook: Notebook, exercise: str, answer: str | None = None) -> str | None:
    """Run the test cell of `exercise`, with `answer` in place of the reference answer.

    Returns None when the cell passes, otherwise what made it fail (the exception, or
    what it wrote to stderr).
    """
    namespace = _namespace(notebook)
    if answer is not None:
        exec(compile(answer, f"<wrong answer to {exercise}>", "exec"), namespace)
    tests = graded_test_cells(read(notebook.source))
    if f"test_{exercise}" not in tests:
        raise LookupError(f"{notebook.assignment} has no test cell test_{exercise}")
    code = compile(without_markers(tests[f"test_{exercise}"].source),
                   f"<test_{exercise}>", "exec")
    stderr = io.StringIO()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(SECONDS_PER_CELL)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr), \
                warnings.catch_warnings(), np.errstate():
            warnings.simplefilter("always")
            np.seterr(divide="warn", over="warn", under="ignore", invalid="warn")
            exec(code, namespace)
    except Exception as error:  # any failure of the cell is what we are looking for
        return f"{type(error).__name__}: {error}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    if stderr.getvalue().strip():
        return f"stderr: {stderr.getvalue().strip()}"
    return None
