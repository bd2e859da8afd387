"""Every chapter follows the course's skeleton, and its numbers agree everywhere.

A learner should find their way by the numbers: "Exercise 3.2" in the heading, in the
answer cell's id, in the test cell's first line and messages, with the same points.
"""

from __future__ import annotations

import re

import pytest
from notebook_tools import graded_test_cells, read, solution_cells

HEADING = re.compile(r"^### Exercise (\d+)\.(\d+) — `(\w+)` \((\d+) points?\)", re.MULTILINE)


@pytest.fixture
def notebook(course_notebook):
    return read(course_notebook.source)


def chapter_number(course_notebook) -> int:
    return int(course_notebook.assignment[:2])


def test_chapter_has_title_goals_summary_and_questions(course_notebook, notebook):
    text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    titles = re.findall(r"^# (.+)$", text, flags=re.MULTILINE)
    assert titles == [titles[0]] and titles[0].startswith(
        f"Chapter {chapter_number(course_notebook)} ·"), "one '# Chapter N · title' heading"
    assert re.search(r"learning goals", text, flags=re.IGNORECASE), "no learning goals"
    assert "## Summary" in text and "## Questions for reflection" in text


def test_exercise_numbers_names_and_points_agree(course_notebook, notebook):
    chapter = chapter_number(course_notebook)
    headings = [HEADING.match(cell.source) for cell in notebook.cells
                if cell.cell_type == "markdown" and cell.source.startswith("### Exercise")]
    assert headings and all(headings), "every exercise heading follows the pattern"
    answers, tests = solution_cells(notebook), graded_test_cells(notebook)
    assert len(headings) == len(answers) == len(tests)
    for position, heading in enumerate(headings, start=1):
        number, k, name, points = int(heading[1]), int(heading[2]), heading[3], int(heading[4])
        assert (number, k) == (chapter, position), f"Exercise {number}.{k} is out of order"
        grade_id = f"ex{chapter}_{k}_{name}"
        assert grade_id in answers, f"no answer cell {grade_id}"
        assert re.search(rf"^(def|class) {name}\b", answers[grade_id].source, flags=re.MULTILINE)
        test = tests[f"test_{grade_id}"]
        assert test.source.startswith(f"# Exercise {chapter}.{k}:")
        assert test.metadata.nbgrader["points"] == points, f"points of {grade_id} disagree"
        messages = re.findall(r"Exercise (\d+\.\d+):", test.source)
        assert set(messages) == {f"{chapter}.{k}"}, f"{grade_id} speaks of other exercises"


def test_every_figure_has_a_title_axis_labels_alt_text_and_caption(notebook):
    figures = 0
    for cell in notebook.cells:
        if cell.cell_type != "code" or not any(
                "image/png" in output.get("data", {}) for output in cell.get("outputs", [])):
            continue
        figures += 1
        options = cell.metadata.get("mystnb", {})
        assert len(options.get("image", {}).get("alt", "")) > 20, f"{cell.id}: no alt text"
        assert options.get("figure", {}).get("caption"), f"{cell.id}: no caption"
        assert re.search(r"(set_title|suptitle|plt\.title)\(", cell.source), f"{cell.id}"
        if "imshow(" in cell.source and "set_xticks([])" in cell.source:
            continue  # a grid of images has no axes to label
        if '.axis("off")' in cell.source:
            continue  # a diagram (nodes and edges) has no axes to label
        assert re.search(r"(set_xlabel|plt\.xlabel|supxlabel)\(", cell.source), f"{cell.id}"
        assert re.search(r"(set_ylabel|plt\.ylabel|supylabel)\(", cell.source), f"{cell.id}"
    assert figures >= 2, "each chapter shows at least two figures"
