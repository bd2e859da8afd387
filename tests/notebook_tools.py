"""Reading the course's notebooks in tests: solution regions, hidden tests, variants."""

from __future__ import annotations

import copy
import re
import types

import nbformat
from nbgrader.utils import is_grade, is_solution

from autograder.course import Notebook
from dlbook.previous import load_notebook_functions

REGIONS = {
    "solution": ("### BEGIN SOLUTION", "### END SOLUTION"),
    "hidden": ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"),
}
MIN_SECRET_LENGTH = 12


def read(path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def region_lines(source: str, kind: str) -> list[str]:
    """The lines strictly between the BEGIN and END markers of `kind`."""
    begin, end = REGIONS[kind]
    lines, inside = [], False
    for line in source.splitlines():
        if line.strip() == begin:
            inside = True
        elif line.strip() == end:
            inside = False
        elif inside:
            lines.append(line)
    return lines


def without_markers(source: str) -> str:
    """A solution cell's source as a learner who wrote the reference would submit it."""
    markers = {marker for pair in REGIONS.values() for marker in pair}
    return "\n".join(line for line in source.splitlines() if line.strip() not in markers)


def _lines_by_region(notebook: nbformat.NotebookNode) -> dict[str, set[str]]:
    """Stripped lines of a notebook: "solution", "hidden", and "public" (all the rest)."""
    begin = {pair[0]: kind for kind, pair in REGIONS.items()}
    ends = {pair[1] for pair in REGIONS.values()}
    found: dict[str, set[str]] = {"solution": set(), "hidden": set(), "public": set()}
    for cell in notebook.cells:
        region = "public"
        for line in cell.source.splitlines():
            stripped = line.strip()
            if stripped in begin:
                region = begin[stripped]
            elif stripped in ends:
                region = "public"
            else:
                found[region].add(stripped)
    return found


def public_text(notebooks: list[nbformat.NotebookNode]) -> str:
    """Everything outside solutions and hidden tests, in all the given notebooks."""
    return "\n".join(line for notebook in notebooks
                     for line in _lines_by_region(notebook)["public"])


def secret_lines(notebook: nbformat.NotebookNode, published: str = "") -> set[str]:
    """Lines of solutions and hidden tests that the notebook shows nowhere else.

    A line the author also wrote outside those regions (in the text, or in a visible
    test) is public by choice. A hidden-test line is also public when it appears in
    `published` (the public text of other chapters: generic checks such as
    `assert isinstance(result, tuple)` are not secrets); a solution line never is.
    Short lines (`return z`) and comments say nothing about an answer and are left out.
    """
    lines = _lines_by_region(notebook)
    own = "\n".join(lines["public"])

    def secret(line: str) -> bool:
        return len(line) >= MIN_SECRET_LENGTH and not line.startswith("#") and line not in own

    return ({line for line in lines["solution"] if secret(line)}
            | {line for line in lines["hidden"] if secret(line) and line not in published})


def solution_cells(notebook: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """grade_id -> solution cell."""
    return {cell.metadata.nbgrader["grade_id"]: cell for cell in notebook.cells
            if cell.cell_type == "code" and is_solution(cell)}


def graded_test_cells(notebook: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """grade_id -> graded test cell."""
    return {cell.metadata.nbgrader["grade_id"]: cell for cell in notebook.cells
            if cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)}


def defined_function(source: str) -> str:
    match = re.search(r"^(?:def|class) (\w+)\b", source, flags=re.MULTILINE)
    assert match, f"no function or class defined in:\n{source}"
    return match.group(1)


def exercises(source_notebook: nbformat.NotebookNode) -> list[dict]:
    """Each exercise: its solution grade_id, function name, test grade_id and points.

    Solution cell `exN_k_name` is tested by test cell `test_exN_k_name`.
    """
    tests = graded_test_cells(source_notebook)
    result = []
    for grade_id, cell in solution_cells(source_notebook).items():
        test = tests[f"test_{grade_id}"]
        result.append({"grade_id": grade_id, "function": defined_function(cell.source),
                       "test_id": f"test_{grade_id}",
                       "points": float(test.metadata.nbgrader["points"])})
    return result


def load_reference(notebook: Notebook) -> types.SimpleNamespace:
    """The reference implementations in a solutions notebook (their only copy)."""
    return load_notebook_functions(notebook.source)


PERTURB = '''

_reference_{name} = {name}


def _perturbed(value):
    if type(value).__name__ == "generator":
        return (_perturbed(item) for item in value)
    if isinstance(value, (tuple, list)):
        return type(value)(_perturbed(item) for item in value)
    return value + 1


def {name}(*args, **kwargs):
    return _perturbed(_reference_{name}(*args, **kwargs))
'''


def filled_in(learner: nbformat.NotebookNode, source: nbformat.NotebookNode,
              wrong: str | None = None) -> nbformat.NotebookNode:
    """The learner notebook with every answer cell filled in with the reference answer.

    If `wrong` names a solution grade_id, that one answer returns wrong values instead
    (every number it returns is off by one).
    """
    answers = solution_cells(source)
    filled = copy.deepcopy(learner)
    for cell in filled.cells:
        if cell.cell_type == "code" and is_solution(cell):
            grade_id = cell.metadata.nbgrader["grade_id"]
            cell.source = without_markers(answers[grade_id].source)
            if grade_id == wrong:
                cell.source += PERTURB.format(name=defined_function(cell.source))
    return filled


def dependents(source: nbformat.NotebookNode, function: str) -> set[str]:
    """grade_ids of other solutions whose reference code calls `function`, directly or
    through another solution that does."""
    cells = {grade_id: (defined_function(cell.source), region_lines(cell.source, "solution"))
             for grade_id, cell in solution_cells(source).items()}
    found: set[str] = set()
    pending = [function]
    while pending:
        call = re.compile(rf"\b{re.escape(pending.pop())}\(")
        for grade_id, (name, lines) in cells.items():
            if name != function and grade_id not in found and any(map(call.search, lines)):
                found.add(grade_id)
                pending.append(name)
    return found
