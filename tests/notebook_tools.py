"""Reading the course's notebooks in tests: solution regions, hidden tests, variants."""

from __future__ import annotations

import copy
import re
import types
from collections.abc import Collection

import nbformat

from autograder.course import Notebook
from dlbook import notebook_format
from dlbook.previous import load_notebook_functions

# The markers, and what an answer or a test cell is, are the course's own rules
# (dlbook.notebook_format), shared with the release, the grader and the check.
REGIONS = notebook_format.REGIONS
MIN_SECRET_LENGTH = 12
# Answer code is short and dense (`dW = X.T @ dZ`): any line of it with 8 or more
# characters besides spaces counts.
MIN_ANSWER_LENGTH = 8


def read(path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def region_lines(source: str, kind: str) -> list[str]:
    """The lines strictly between the BEGIN and END markers of `kind`."""
    return notebook_format.region_lines(source, kind)


def without_markers(source: str) -> str:
    """A solution cell's source as a learner who wrote the reference would submit it."""
    return notebook_format.without_markers(source)


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
    """Everything outside solutions and hidden tests, in all the given notebooks, in
    order (so that a statement split over several lines reads as it does on the page)."""
    begin = {pair[0] for pair in REGIONS.values()}
    ends = {pair[1] for pair in REGIONS.values()}
    lines = []
    for notebook in notebooks:
        for cell in notebook.cells:
            inside = False
            for line in cell.source.splitlines():
                if line.strip() in begin:
                    inside = True
                elif line.strip() in ends:
                    inside = False
                elif not inside:
                    lines.append(line.strip())
    return "\n".join(lines)


GENERIC_LINE = re.compile(r"^(import|from)\s+\w|^(try|else|finally):$|^with .+ as \w+:$|^@"
                          r"|^def \w+\(")
ASSIGNED = re.compile(r"^(?:return|yield)\s+(?P<value>.+)$"
                      r"|^[\w.\[\], ()*]+?\s*(?:[-+*/@%]|//|\*\*)?=(?!=)\s*(?P<rhs>.+)$")
# Expressions that say no more than the exercise's signature and the course's API:
# a call with plain names for arguments (`ch3.softmax_cross_entropy_grad(logits, y)`,
# `np.asarray(y)`), names and attributes (`model.trainable_variables`, `params[0][0]`),
# or a tuple or list of names (`params, history`).
PLAIN_EXPRESSIONS = [
    re.compile(r"^[\w.]+\((?:[A-Za-z_][\w.]*(?:=[A-Za-z_][\w.]*)?,?)*\)$"),
    re.compile(r"^[A-Za-z_][\w.]*(?:\[\w+\])*(?:\.\w+)*$"),
    re.compile(r"^[\[(]*[A-Za-z_]\w*(?:[\[(),\]]+[A-Za-z_]\w*)*[\])]*$"),
]


def _plain(expression: str) -> bool:
    return any(pattern.match(squash(expression)) for pattern in PLAIN_EXPRESSIONS)


def squash(text: str) -> str:
    """Text without any whitespace, so that `X.T@dZ` and `X.T @ dZ` are the same."""
    return re.sub(r"\s+", "", text)


def answer_secrets(notebook: nbformat.NotebookNode) -> set[str]:
    """What a learner must not find anywhere public: every line of every solution region,
    and the expression each assigns or returns, except generic lines (imports, `try:`),
    comments and short lines (`return z`). A solution line shown outside the solution is
    a leak even when the instructor wrote it there on purpose: the answer is on the page.
    """
    found = set()
    for line in _lines_by_region(notebook)["solution"]:
        if line.startswith("#") or GENERIC_LINE.match(line):
            continue
        match = ASSIGNED.match(line)
        value = match and (match.group("value") or match.group("rhs"))
        if value and _plain(value):
            continue
        if len(squash(line)) >= MIN_ANSWER_LENGTH:
            found.add(line)
        if value and len(squash(value)) >= MIN_ANSWER_LENGTH:
            found.add(value.strip())
    return found


def secret_lines(notebook: nbformat.NotebookNode, published: str = "") -> set[str]:
    """Answer lines and expressions (see `answer_secrets`), and hidden-test lines that the
    notebook shows nowhere else.

    A hidden-test line the author also wrote outside those regions (in the text, or in a
    visible test) is public by choice, and so is one that appears in `published` (the
    public text of other chapters: generic checks such as
    `assert isinstance(result, tuple)` are not secrets). Short lines and comments say
    nothing and are left out.
    """
    lines = _lines_by_region(notebook)
    public = squash(public_text([notebook]) + "\n" + published)

    def secret(line: str) -> bool:
        return (len(line) >= MIN_SECRET_LENGTH and not line.startswith("#")
                and squash(line) not in public)

    return answer_secrets(notebook) | {line for line in lines["hidden"] if secret(line)}


def solution_cells(notebook: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """grade_id -> solution cell."""
    return {cell.metadata.nbgrader["grade_id"]: cell for cell in notebook.cells
            if notebook_format.is_solution_cell(cell)}


def graded_test_cells(notebook: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """grade_id -> graded test cell."""
    return {cell.metadata.nbgrader["grade_id"]: cell for cell in notebook.cells
            if notebook_format.is_test_cell(cell)}


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
              wrong: str | Collection[str] | None = None) -> nbformat.NotebookNode:
    """The learner notebook with every answer cell filled in with the reference answer.

    If `wrong` names a solution grade_id (or several), those answers return wrong values
    instead (every number they return is off by one).
    """
    wrong = {wrong} if isinstance(wrong, str) else set(wrong or ())
    answers = solution_cells(source)
    filled = copy.deepcopy(learner)
    for cell in filled.cells:
        if notebook_format.is_solution_cell(cell):
            grade_id = cell.metadata.nbgrader["grade_id"]
            cell.source = without_markers(answers[grade_id].source)
            if grade_id in wrong:
                cell.source += PERTURB.format(name=defined_function(cell.source))
    return filled


def write_class(folder, notebook: Notebook, learners: int) -> dict[str, str | None]:
    """A class of `learners` filled-in notebooks, one folder each; every other learner
    gets one exercise wrong (a different one each). Returns learner -> wrong grade_id."""
    source, learner = read(notebook.source), read(notebook.release)
    wrong = [exercise["grade_id"] for exercise in exercises(source)]
    variants = {}
    for index in range(learners):
        student = f"learner{index}"
        (folder / student).mkdir(parents=True)
        variants[student] = wrong[index % len(wrong)] if index % 2 else None
        nbformat.write(filled_in(learner, source, wrong=variants[student]),
                       folder / student / notebook.filename)
    return variants


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


def calls_in_tests(source: nbformat.NotebookNode, functions: Collection[str]) -> set[str]:
    """grade_ids of the test cells that call one of `functions` themselves (chapter 9's
    backward tests build their cache with the learner's forward pass, say)."""
    calls = [re.compile(rf"\b{re.escape(name)}\(") for name in functions]
    return {grade_id for grade_id, cell in graded_test_cells(source).items()
            if any(call.search(cell.source) for call in calls)}
