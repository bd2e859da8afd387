"""The wrong-answer catalogue: every classic mistake fails its exercise's own tests.

For each exercise of every chapter, the catalogue (`autograder/mistakes/`) lists at least
three plausible wrong answers. Each one replaces the reference answer and the exercise's test cell
(visible and hidden tests) must fail; the reference itself must pass the same way, so a
failure is the wrong answer's doing and not the harness's.
"""

from __future__ import annotations

import ast

import pytest
from catalogue import load_catalogue, run_test_cell
from notebook_tools import exercises, read

from autograder.course import course_notebooks

MIN_WRONG_PER_EXERCISE = 3
CATALOGUE = load_catalogue()
ENTRIES = [(chapter.notebook, wrong) for chapter in CATALOGUE for wrong in chapter.wrong]
EXERCISES = [(notebook, exercise) for notebook in course_notebooks()
             for exercise in exercises(read(notebook.source))]


def _entry_id(entry) -> str:
    notebook, wrong = entry
    return f"{notebook.assignment}-{wrong.exercise}-{wrong.mistake[:40]}"


@pytest.mark.parametrize("entry", ENTRIES, ids=[_entry_id(entry) for entry in ENTRIES])
def test_wrong_answer_fails_its_tests(entry):
    notebook, wrong = entry
    failure = run_test_cell(notebook, wrong.exercise, wrong.source)
    assert failure is not None, (
        f"{notebook.assignment}: this wrong answer to {wrong.exercise} passes its tests: "
        f"{wrong.mistake}")


@pytest.mark.parametrize("item", EXERCISES,
                         ids=[f"{nb.assignment}-{ex['grade_id']}" for nb, ex in EXERCISES])
def test_reference_answer_passes_the_same_harness(item):
    notebook, exercise = item
    failure = run_test_cell(notebook, exercise["grade_id"])
    assert failure is None, (
        f"{notebook.assignment}: the reference answer fails test_{exercise['grade_id']} "
        f"in the catalogue's harness: {failure}")


@pytest.mark.parametrize("item", EXERCISES,
                         ids=[f"{nb.assignment}-{ex['grade_id']}" for nb, ex in EXERCISES])
def test_every_exercise_has_enough_wrong_answers(item):
    notebook, exercise = item
    count = sum(1 for entry_notebook, wrong in ENTRIES
                if entry_notebook == notebook and wrong.exercise == exercise["grade_id"])
    assert count >= MIN_WRONG_PER_EXERCISE, (
        f"{notebook.assignment}: {exercise['grade_id']} has {count} wrong answers in the "
        f"catalogue, at least {MIN_WRONG_PER_EXERCISE} are needed")


@pytest.mark.parametrize("entry", ENTRIES, ids=[_entry_id(entry) for entry in ENTRIES])
def test_entry_is_well_formed(entry):
    """Each entry names a real exercise, defines that exercise's function and is unique."""
    notebook, wrong = entry
    known = {exercise["grade_id"]: exercise["function"]
             for exercise in exercises(read(notebook.source))}
    assert wrong.exercise in known, f"{wrong.exercise} is not an exercise of {notebook.assignment}"
    defined = {node.name for node in ast.parse(wrong.source).body
               if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    assert known[wrong.exercise] in defined, (
        f"the wrong answer to {wrong.exercise} should define {known[wrong.exercise]}")
    assert wrong.mistake.strip(), "name the mistake in one line"
    same = [other for other_notebook, other in ENTRIES
            if other_notebook == notebook and other.source.strip() == wrong.source.strip()]
    assert len(same) == 1, f"duplicate wrong answer for {wrong.exercise}: {wrong.mistake}"


def test_harness_can_tell_a_wrong_answer():
    """The harness itself must be able to fail: a sigmoid that returns 0.5 everywhere."""
    notebook = next(nb for nb in course_notebooks() if nb.assignment == "01_neuron")
    constant = "def sigmoid(z):\n    return np.full_like(z, 0.5, dtype=float)\n"
    assert run_test_cell(notebook, "ex1_1_sigmoid", constant) is not None
