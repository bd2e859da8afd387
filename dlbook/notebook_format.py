"""The rules for reading the course's notebooks, in one place.

An instructor notebook (`solutions/<chapter>/<name>.ipynb`) is an nbgrader source
notebook:

- an *answer cell* is a code cell marked `solution` (and not `grade`); the reference
  answer sits between `### BEGIN SOLUTION` and `### END SOLUTION`;
- a *test cell* is a code cell marked `grade` and not `solution`; hidden tests sit
  between `### BEGIN HIDDEN TESTS` and `### END HIDDEN TESTS`, the rest is visible;
- a test cell names its exercise "Exercise N.k" in its source (else its grade_id);
- every other code cell is *plain code*: imports, `chN = load_chapter(...)` lines,
  given definitions, demonstrations.

The release (`autograder.release`, through `autograder/nbgrader_config.py`), the
grader's judge, the learner's check, `dlbook.previous` and the tests all read notebooks
with these functions. This module imports only the standard library and nbformat.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
REGIONS = {"solution": (SOLUTION_BEGIN, SOLUTION_END), "hidden": (HIDDEN_BEGIN, HIDDEN_END)}
MARKERS = frozenset(marker for pair in REGIONS.values() for marker in pair)

EXERCISE = re.compile(r"Exercise\s+\d+\.\d+")
IMPORT_LINE = re.compile(r"^(import|from) \w")
LOAD_LINE = re.compile(r"^\w+ = load_chapter\(")
CHAPTER_USE = re.compile(r"load_chapter\(\s*[\"'](\d\d_\w+)[\"']")
DEFINED = re.compile(r"^(?:def|class) (\w+)\b", re.MULTILINE)
UTF8_BOM = b"\xef\xbb\xbf"


class NotebookFormatError(ValueError):
    """A notebook's JSON cannot be read."""


# --- reading files ------------------------------------------------------------------------

def parse_json(data: bytes) -> object:
    """The JSON value of a notebook file's bytes; a UTF-8 byte-order mark is allowed
    (some editors write one, and Jupyter opens such files).

    Raises:
        UnicodeDecodeError, json.JSONDecodeError, RecursionError: as `json.loads`.
    """
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    return json.loads(data.decode("utf-8"))


def parse_notebook(data: bytes, name: str = "the notebook") -> nbformat.NotebookNode:
    """A notebook from a file's bytes, as Jupyter would read it (a byte-order mark is
    allowed), converted to nbformat 4.

    Raises:
        NotebookFormatError: the bytes are not JSON text.
    """
    try:
        value = parse_json(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NotebookFormatError(f"{name}: not a JSON notebook: {error}") from None
    return nbformat.reads(json.dumps(value), as_version=4)


def read_notebook(path: Path | str) -> nbformat.NotebookNode:
    """Read an nbformat-4 notebook as Jupyter would (a byte-order mark is allowed)."""
    return parse_notebook(Path(path).read_bytes(), str(path))


# --- cells --------------------------------------------------------------------------------

def nbgrader_info(cell) -> dict:
    """A cell's nbgrader metadata, or {} when it is missing or damaged."""
    metadata = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    info = metadata.get("nbgrader", {}) if isinstance(metadata, dict) else {}
    return info if isinstance(info, dict) else {}


def _is_code(cell) -> bool:
    return isinstance(cell, dict) and cell.get("cell_type") == "code"


def is_answer_cell(cell) -> bool:
    """A code cell the learner fills in (nbgrader `solution`, not `grade`)."""
    info = nbgrader_info(cell)
    return _is_code(cell) and bool(info.get("solution")) and not info.get("grade")


def is_test_cell(cell) -> bool:
    """A graded test cell (nbgrader `grade`, not `solution`)."""
    info = nbgrader_info(cell)
    return _is_code(cell) and bool(info.get("grade")) and not info.get("solution")


def is_solution_cell(cell) -> bool:
    """Any code cell marked `solution` (answer cells, and autograded answers)."""
    return _is_code(cell) and bool(nbgrader_info(cell).get("solution"))


def is_plain_code(cell) -> bool:
    """A code cell that is neither an answer nor a test."""
    info = nbgrader_info(cell)
    return _is_code(cell) and not info.get("solution") and not info.get("grade")


def grade_id(cell) -> str | None:
    value = nbgrader_info(cell).get("grade_id")
    return value if isinstance(value, str) else None


def source_of(cell) -> str:
    """A cell's source as one string (a submitted file may hold a list or garbage)."""
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(source, list):
        return "".join(str(part) for part in source)
    return str(source)


def exercise_label(cell) -> str:
    """"Exercise N.k" as a test cell names itself, else its grade_id."""
    match = EXERCISE.search(source_of(cell))
    return match.group(0) if match else (grade_id(cell) or "test")


# --- regions ------------------------------------------------------------------------------

def split_test(source: str) -> tuple[str, str, str]:
    """A test cell's visible part, hidden part and what follows the hidden part."""
    lines = source.splitlines()
    begin = next((i for i, line in enumerate(lines) if line.strip() == HIDDEN_BEGIN), None)
    if begin is None:
        return source, "", ""
    end = next((i for i, line in enumerate(lines) if line.strip() == HIDDEN_END), len(lines))
    join = "\n".join
    return join(lines[:begin]), join(lines[begin + 1:end]), join(lines[end + 1:])


def region_lines(source: str, kind: str) -> list[str]:
    """The lines strictly between the BEGIN and END markers of `kind` ("solution",
    "hidden")."""
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
    return "\n".join(line for line in source.splitlines() if line.strip() not in MARKERS)


def defined_names(source: str) -> list[str]:
    """Functions and classes a cell defines at its top level."""
    return DEFINED.findall(source)


def chapters_loaded(source: str) -> list[str]:
    """Chapters named in `load_chapter("NN_name")` calls."""
    return CHAPTER_USE.findall(source)
