"""Reuse the functions you wrote in an earlier chapter.

Later chapters build on earlier ones: chapter 4 checks chapter 3's gradient, for
example. Rather than copying code between notebooks, a notebook loads the answers of a
sibling chapter notebook, from the same folder tree it lives in:

    from dlbook.previous import load_chapter
    ch3 = load_chapter("03_softmax")
    ch3.softmax_cross_entropy_grad(Z, y)

Opened from `chapters/04_gradcheck/`, this runs *your* answers in
`chapters/03_softmax/softmax.ipynb`; in the instructor's `solutions/` tree it runs the
reference answers. Only import lines and answer cells are run, never tests or plots.

When `$DLBOOK_CHAPTERS_DIR` is set, chapters are looked up there instead
(`$DLBOOK_CHAPTERS_DIR/03_softmax/`): the autograder uses this so a chapter is graded
with the reference versions of the chapters it builds on, and a learner loses points
only for the exercises of the chapter being graded.
"""

from __future__ import annotations

import ast
import functools
import linecache
import os
import types
from pathlib import Path

import nbformat

from dlbook.notebook_format import (
    IMPORT_LINE,
    LOAD_LINE,
    is_answer_cell,
    is_plain_code,
    read_notebook,
    without_markers,
)


def _only_definitions(cell: nbformat.NotebookNode) -> bool:
    """A code cell that only defines functions or classes (a given helper, such as
    chapter 8's `relu`, which an answer may call)."""
    try:
        body = ast.parse(cell.source).body
    except SyntaxError:
        return False
    return bool(body) and all(isinstance(node, (ast.FunctionDef, ast.ClassDef))
                              for node in body)


def _run(code: str, filename: str, namespace: dict) -> None:
    """Execute `code` as if from a file named `filename`, registered with linecache so
    that tools that read a function's source (tracebacks, inspect, TensorFlow's
    AutoGraph) find it, as they do for notebook cells in Jupyter."""
    linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
    exec(compile(code, filename, "exec"), namespace)


def load_notebook_functions(path: Path) -> types.SimpleNamespace:
    """Run a chapter notebook's setup lines, given definitions and answer cells; return
    what they define.

    Setup lines are imports and `chN = load_chapter(...)` lines, run with `here` set to
    the notebook's folder so that earlier chapters resolve beside it. Given definitions
    are the plain code cells that hold nothing but `def` and `class` statements.

    Raises:
        FileNotFoundError: the notebook does not exist.
    """
    path = Path(path)
    notebook = read_notebook(path)
    namespace: dict = {"__name__": f"chapter_{path.stem}"}
    lines = [line for cell in notebook.cells if is_plain_code(cell)
             for line in cell.source.splitlines()]
    exec(compile("\n".join(filter(IMPORT_LINE.match, lines)), str(path), "exec"), namespace)
    namespace["load_chapter"] = functools.partial(load_chapter, here=path.parent)
    exec(compile("\n".join(filter(LOAD_LINE.match, lines)), str(path), "exec"), namespace)
    for number, cell in enumerate(notebook.cells):
        filename = f"<{path} cell {number}>"
        if is_plain_code(cell) and _only_definitions(cell):
            _run(cell.source, filename, namespace)
        elif is_answer_cell(cell):
            _run(without_markers(cell.source), filename, namespace)
    # The functions keep `namespace` as their globals, so it is left intact.
    return types.SimpleNamespace(**{name: value for name, value in namespace.items()
                                    if not name.startswith("__")})


def load_chapter(chapter: str, here: Path | None = None) -> types.SimpleNamespace:
    """Load the answers of `chapter` (e.g. "03_softmax") from the sibling folder.

    Args:
        chapter: the chapter's folder name.
        here: the folder of the notebook asking (default: the current folder, which is
            the notebook's own folder when Jupyter runs it).

    Raises:
        FileNotFoundError: there is no notebook for that chapter beside this one.
    """
    override = os.environ.get("DLBOOK_CHAPTERS_DIR")
    if override:
        folder = Path(override) / chapter
    else:
        folder = (Path(here) if here else Path.cwd()).resolve().parent / chapter
    notebooks = sorted(folder.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(
            f"no notebook for chapter {chapter} in {folder}; this cell reuses your "
            f"answers from that chapter, so keep the chapters in one folder")
    return load_notebook_functions(notebooks[0])
