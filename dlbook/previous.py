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
"""

from __future__ import annotations

import re
import types
from pathlib import Path

import nbformat

IMPORT_LINE = re.compile(r"^(import|from) \w")
MARKERS = {"### BEGIN SOLUTION", "### END SOLUTION"}


def _is_answer_cell(cell: nbformat.NotebookNode) -> bool:
    info = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(info.get("solution")) and not info.get("grade")


def _is_plain_code(cell: nbformat.NotebookNode) -> bool:
    info = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and not info.get("solution") and not info.get("grade")


def load_notebook_functions(path: Path) -> types.SimpleNamespace:
    """Run a chapter notebook's import lines and answer cells; return what they define.

    Raises:
        FileNotFoundError: the notebook does not exist.
    """
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    namespace: dict = {"__name__": f"chapter_{path.stem}"}
    imports = [line for cell in notebook.cells if _is_plain_code(cell)
               for line in cell.source.splitlines() if IMPORT_LINE.match(line)]
    exec(compile("\n".join(imports), str(path), "exec"), namespace)
    for cell in notebook.cells:
        if _is_answer_cell(cell):
            code = "\n".join(line for line in cell.source.splitlines()
                             if line.strip() not in MARKERS)
            exec(compile(code, str(path), "exec"), namespace)
    namespace.pop("__builtins__", None)
    return types.SimpleNamespace(**namespace)


def load_chapter(chapter: str, here: Path | None = None) -> types.SimpleNamespace:
    """Load the answers of `chapter` (e.g. "03_softmax") from the sibling folder.

    Args:
        chapter: the chapter's folder name.
        here: the folder of the notebook asking (default: the current folder, which is
            the notebook's own folder when Jupyter runs it).

    Raises:
        FileNotFoundError: there is no notebook for that chapter beside this one.
    """
    folder = (Path(here) if here else Path.cwd()).resolve().parent / chapter
    notebooks = sorted(folder.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(
            f"no notebook for chapter {chapter} in {folder}; this cell reuses your "
            f"answers from that chapter, so keep the chapters in one folder")
    return load_notebook_functions(notebooks[0])
