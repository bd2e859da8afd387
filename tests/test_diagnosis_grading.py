"""Diagnosis end to end: a catalogued mistake graded by the real grader and checked by
`python -m autograder.check` gets its `Likely mistake:` line under its exercise only; a
correct answer gets none; hostile learner functions cost the diagnosis and nothing else.
"""

from __future__ import annotations

import copy
import html
import time

import nbformat
import pytest
from catalogue import wrong_answer
from notebook_tools import filled_in, read

from autograder import diagnosis
from autograder.check import main as check_main
from autograder.check import run_checks
from autograder.course import course_notebooks
from autograder.grade import main as grade_main
from autograder.mistakes import catalogue

NOTEBOOK = course_notebooks()[0]  # chapter 1
MISTAKE = "1 - sigma(z)^2"  # a catalogued mistake of exercise 1.2
OTHER = "np.sign(z): -1 on the negative side"  # one of exercise 1.6


def _hint(exercise: str, mistake: str) -> str:
    (wrong,) = [w for w in catalogue()["01_neuron"]
                if w.exercise == exercise and w.mistake.startswith(mistake)]
    return wrong.hint


def _notebook(**answers: str) -> nbformat.NotebookNode:
    """Chapter 1 filled in with the reference, with `answers` (grade_id -> source)."""
    notebook = copy.deepcopy(filled_in(read(NOTEBOOK.release), read(NOTEBOOK.source)))
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return notebook


def _write(notebook, folder) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / NOTEBOOK.filename
    nbformat.write(notebook, path)
    return str(path)


@pytest.fixture(scope="module")
def with_mistake():
    return _notebook(ex1_2_sigmoid_grad=wrong_answer("01_neuron", "ex1_2_sigmoid_grad", MISTAKE))


def test_the_check_prints_the_likely_mistake_under_its_exercise(tmp_path, with_mistake, capsys):
    timings = []
    real = diagnosis.diagnose

    def timed(*args):
        start = time.perf_counter()
        try:
            return real(*args)
        finally:
            timings.append(time.perf_counter() - start)

    diagnosis.expectations("01_neuron", "ex1_2_sigmoid_grad")  # the trusted side, cached
    diagnosis.diagnose = timed
    try:
        assert check_main([_write(with_mistake, tmp_path)]) == 1
    finally:
        diagnosis.diagnose = real
    out = capsys.readouterr().out
    lines = out.splitlines()
    hint = _hint("ex1_2_sigmoid_grad", MISTAKE)
    at = lines.index(f"    Likely mistake: {hint}")
    assert lines[at - 2].startswith("Exercise 1.2") and "FAILED" in lines[at - 2]
    assert out.count("Likely mistake:") == 1
    assert timings and max(timings) < 5.0
    with capsys.disabled():
        print(f"\ndiagnosis of one failed exercise (chapter 1, sandboxed): "
              f"{1000 * max(timings):.0f} ms")


def test_a_correct_notebook_gets_no_diagnosis(tmp_path, capsys):
    assert check_main([_write(_notebook(), tmp_path)]) == 0
    assert "Likely mistake" not in capsys.readouterr().out


def test_the_grader_puts_the_likely_mistake_in_the_feedback(tmp_path, grading_area,
                                                            with_mistake):
    folder = tmp_path / "class"
    _write(with_mistake, folder / "ada")
    _write(_notebook(), folder / "bob")
    assert grade_main([str(folder), "--out", str(grading_area["out_dir"]),
                       "--work-dir", str(grading_area["work_dir"]),
                       "--db-url", grading_area["db_url"]]) == 0
    feedback = grading_area["out_dir"] / "feedback"
    ada = (feedback / "ada" / NOTEBOOK.assignment / f"{NOTEBOOK.name}.html").read_text()
    bob = (feedback / "bob" / NOTEBOOK.assignment / f"{NOTEBOOK.name}.html").read_text()
    hint = html.escape(_hint("ex1_2_sigmoid_grad", MISTAKE))
    assert f"Likely mistake: {hint}" in ada
    row = next(part for part in ada.split("<tr>") if f"Likely mistake: {hint}" in part)
    assert "Exercise 1.2" in row
    assert ada.count("Likely mistake") == 1
    assert "Likely mistake" not in bob


def test_two_failing_exercises_get_their_own_diagnoses():
    verdict = run_checks_notebook(_notebook(
        ex1_2_sigmoid_grad=wrong_answer("01_neuron", "ex1_2_sigmoid_grad", MISTAKE),
        ex1_6_relu_grad=wrong_answer("01_neuron", "ex1_6_relu_grad", OTHER)))
    by_id = {outcome.grade_id: outcome for outcome in verdict.outcomes}
    assert by_id["test_ex1_2_sigmoid_grad"].diagnosis == _hint("ex1_2_sigmoid_grad", MISTAKE)
    assert by_id["test_ex1_6_relu_grad"].diagnosis == _hint("ex1_6_relu_grad", OTHER)
    assert all(not outcome.diagnosis for outcome in verdict.outcomes
               if outcome.points == outcome.max_points)


def test_a_fault_in_the_diagnosis_costs_only_the_diagnosis(monkeypatch):
    def broken(*args):
        raise RuntimeError("a bug in the probes")

    monkeypatch.setattr(diagnosis, "expectations", broken)
    verdict = run_checks_notebook(_notebook(
        ex1_2_sigmoid_grad=wrong_answer("01_neuron", "ex1_2_sigmoid_grad", MISTAKE)))
    by_id = {outcome.grade_id: outcome for outcome in verdict.outcomes}
    assert by_id["test_ex1_2_sigmoid_grad"].points == 0
    assert by_id["test_ex1_1_sigmoid"].points == by_id["test_ex1_1_sigmoid"].max_points
    assert all(not outcome.diagnosis for outcome in verdict.outcomes)


_TMP: list = []


def run_checks_notebook(notebook, timeout: float | None = None):
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix="diagnosis-"))
    _TMP.append(folder)
    return run_checks(Path(_write(notebook, folder)), timeout)


# ---- hostile learner functions -------------------------------------------------------
# Each fails exercise 1.5's tests, and misbehaves only on one probe (the elementwise
# probes end with an array that starts at 1e-12), so the tests themselves see a plain
# wrong answer and the harm can only reach the diagnosis.

PROBE = "np.size(z) == 3 and float(np.ravel(z)[0]) == 1e-12"
HOSTILE = {
    "slow": f"""
import time
def relu(z):
    if {PROBE}:
        time.sleep(600)
    return np.abs(np.asarray(z))
""",
    "huge output": f"""
def relu(z):
    if {PROBE}:
        return np.zeros(90_000_000)
    return np.abs(np.asarray(z))
""",
    "raises": """
def relu(z):
    raise ValueError("no")
""",
    "ndarray subclass with __eq__ and __array__": """
class Forged(np.ndarray):
    def __eq__(self, other):
        return True
    def __array__(self, *args, **kwargs):
        return np.asarray(self).view(np.ndarray)
def relu(z):
    z = np.asarray(z)
    return np.abs(z) if z.size != 3 else np.abs(z).view(Forged)
""",
    "object whose pickling runs code": f"""
import os
class Bomb:
    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/diagnosis-pwned",))
def relu(z):
    if {PROBE}:
        return Bomb()
    return np.abs(np.asarray(z))
""",
}


@pytest.fixture(scope="module")
def plain_wrong_scores():
    """Scores with a plain wrong relu (np.abs) and a catalogued mistake in 1.6."""
    verdict = run_checks_notebook(_notebook(
        ex1_5_relu="def relu(z):\n    return np.abs(np.asarray(z))\n",
        ex1_6_relu_grad=wrong_answer("01_neuron", "ex1_6_relu_grad", OTHER)))
    return {outcome.grade_id: outcome.points for outcome in verdict.outcomes}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_function_costs_only_the_diagnosis(case, plain_wrong_scores):
    notebook = _notebook(ex1_5_relu=HOSTILE[case],
                         ex1_6_relu_grad=wrong_answer("01_neuron", "ex1_6_relu_grad", OTHER))
    start = time.monotonic()
    verdict = run_checks_notebook(notebook, timeout=5)
    elapsed = time.monotonic() - start
    by_id = {outcome.grade_id: outcome for outcome in verdict.outcomes}
    assert {grade_id: o.points for grade_id, o in by_id.items()} == plain_wrong_scores
    assert by_id["test_ex1_5_relu"].diagnosis == ""
    assert elapsed < 60, f"{case}: the check took {elapsed:.0f} s"
    if case in ("raises", "ndarray subclass with __eq__ and __array__"):
        # nothing was killed: the next failing exercise is still diagnosed
        assert by_id["test_ex1_6_relu_grad"].diagnosis == _hint("ex1_6_relu_grad", OTHER)
    from pathlib import Path

    assert not Path("/tmp/diagnosis-pwned").exists(), "learner code ran in the grader"
