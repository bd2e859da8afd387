"""The wrong-answer catalogue: classic mistakes of every exercise, one module per chapter.

Each module `autograder/mistakes/chNN_<name>.py` names a chapter (`CHAPTER = "04_gradcheck"`)
and lists its wrong answers (`WRONG = [Wrong(...), ...]`). A wrong answer is the full source
of an answer cell that makes one classic mistake. The test suite checks that every entry
fails its exercise's tests (tests/catalogue.py, tests/test_wrong_answers.py); the grader
compares a failing learner function with the entries to name the likely mistake
(autograder.diagnosis), printing the entry's `hint`.
"""

from __future__ import annotations

import importlib
import pkgutil
import types
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Wrong:
    """One plausible wrong answer to one exercise."""

    exercise: str  # the answer cell's grade_id, e.g. "ex4_2_relative_error"
    mistake: str  # the mistake, in one line (for the course's authors and the test ids)
    source: str  # the whole replacement source of the answer cell
    hint: str = ""  # for the learner: what the mistake is and where to look, never the code


@cache
def chapter_modules() -> dict[str, types.ModuleType]:
    """Every chapter's catalogue module: {assignment, e.g. "04_gradcheck": module}, in
    chapter order."""
    modules = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        if info.name.startswith("ch"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            modules[module.CHAPTER] = module
    return modules


def chapter_module(assignment: str) -> types.ModuleType | None:
    """The catalogue module of one chapter, or None if it has none."""
    return chapter_modules().get(assignment)


def catalogue() -> dict[str, list[Wrong]]:
    """Every chapter's wrong answers: {assignment: [Wrong, ...]}, in chapter order."""
    return {assignment: list(module.WRONG) for assignment, module in chapter_modules().items()}
