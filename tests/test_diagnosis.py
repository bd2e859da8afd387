"""Diagnosis (autograder.diagnosis): the hints, the probes' confusion table over the
catalogue, the matching rule and its order of preference.

The confusion table treats each catalogued wrong answer as if a learner had written it
(its outputs are computed in the trusted process, which is what the sandbox would send
back: plain data) and asks which entry it is diagnosed as. Every entry must come out as
itself, except the few listed in CANNOT_TELL with the reason.
"""

from __future__ import annotations

import ast
import re
import types

import numpy as np
import pytest
from catalogue import chapter_notebook
from notebook_tools import graded_test_cells, read, solution_cells, without_markers

from autograder import diagnosis
from autograder.diagnosis import Expectation, Output, Probes, best_match, close
from autograder.mistakes import Wrong, catalogue
from autograder.probes import PROBES
from dlbook import notebook_format as fmt

ENTRIES = [(assignment, wrong) for assignment, entries in catalogue().items()
           for wrong in entries]
EXERCISES = [(assignment, grade_id) for assignment, exercises in PROBES.items()
             if assignment in catalogue() for grade_id in exercises]

# (exercise, mistake) -> (the mistake it is diagnosed as, "" for none; why).
CANNOT_TELL = {
    ("ex4_1_numerical_gradient", "perturbs copies of x, so an f that reads x itself sees nothing"):
        ("", "only an f that reads the caller's x itself (not its argument) sees the difference; "
             "a probe's f runs in the grader and gets its argument by value"),
    ("ex4_3_check_gradient", "differentiates a copy of x, so an f that reads x through a "
                             "closure sees nothing"):
        ("", "the same: an f reading x through a closure cannot be sent into the sandbox"),
    ("ex5_2_relu_backward", "writes the mask through reshape(-1), a copy for transposed arrays"):
        ("", "arrays reach the learner's code as fresh C-ordered copies, never transposed "
             "views, so the copy made by reshape never happens"),
    ("ex6_3_sgd_step", "updates the parameters in place (W -= lr * dW)"):
        ("", "only top-level array arguments are copied back from the sandbox; the arrays "
             "inside params (a list of tuples) are not, so in-place changes are invisible"),
    ("ex6_6_momentum_step", "updates the velocities and parameters in place"):
        ("", "the same: arrays inside lists are not copied back from the sandbox"),
    ("ex6_7_nesterov_step", "plain heavy-ball momentum: no look-ahead at all"):
        ("looks ahead with the old velocity instead of the new one",
         "the two entries compute the same numbers (g + beta v is the new velocity), so no "
         "input tells them apart; the earlier entry's hint is printed"),
}


def _code_lines(source: str) -> set[str]:
    """The lines of a cell that look like code (12 characters or more)."""
    return {line.strip() for line in without_markers(source).splitlines()
            if len(line.strip()) >= 12 and re.search(r"[=()\[\]]", line)}


def _hidden_numbers(test_source: str) -> set[str]:
    """Number literals of three characters or more in a test cell's hidden part."""
    _, hidden, tail = fmt.split_test(test_source)
    return {match for match in re.findall(r"(?<![\w.])\d[\d.e_-]{2,}", hidden + tail)}


@pytest.fixture(scope="module")
def sources():
    cache = {}

    def get(assignment):
        if assignment not in cache:
            notebook = read(chapter_notebook(assignment).source)
            cache[assignment] = (solution_cells(notebook), graded_test_cells(notebook))
        return cache[assignment]

    return get


@pytest.mark.parametrize("entry", ENTRIES, ids=[f"{a}-{w.exercise}-{w.mistake[:30]}"
                                                 for a, w in ENTRIES])
def test_every_entry_has_a_hint_that_gives_nothing_away(entry, sources):
    assignment, wrong = entry
    assert len(wrong.hint.split()) >= 5, f"{wrong.exercise}: write a hint for {wrong.mistake!r}"
    solutions, tests = sources(assignment)
    answer = _code_lines(solutions[wrong.exercise].source)
    leaked = [line for line in answer | _code_lines(wrong.source) if line in wrong.hint]
    assert not leaked, f"the hint for {wrong.mistake!r} quotes code: {leaked}"
    numbers = _hidden_numbers(tests[f"test_{wrong.exercise}"].source)
    found = set(re.findall(r"(?<![\w.])\d[\d.e_-]{2,}", wrong.hint)) & numbers
    assert not found, f"the hint for {wrong.mistake!r} shows a hidden test's values {found}"
    assert not re.search(r"\bdef \w+\(|\b[A-Za-z_]\w*\s*[+*/-]?=\s*\w", wrong.hint), (
        f"the hint for {wrong.mistake!r} looks like code")


def test_the_hint_check_can_fail():
    """A hint quoting the solution's code is caught."""
    source = "def relu(z):\n    return np.maximum(z, 0.0)  # ok\n"
    assert "return np.maximum(z, 0.0)  # ok" in _code_lines(source)
    assert _hidden_numbers("assert f(1)\n### BEGIN HIDDEN TESTS\nassert g(0.125)\n"
                           "### END HIDDEN TESTS\n") == {"0.125"}


def test_every_numpy_exercise_has_probes():
    from notebook_tools import exercises

    for assignment in catalogue():
        if assignment == "08_capstone":
            continue  # TensorFlow: Keras objects cannot cross the sandbox's wire
        for exercise in exercises(read(chapter_notebook(assignment).source)):
            probes = PROBES.get(assignment, {}).get(exercise["grade_id"])
            assert probes is not None, f"{exercise['grade_id']} has no probes"
            assert probes.function == exercise["function"]


@pytest.mark.parametrize("item", EXERCISES, ids=[grade_id for _, grade_id in EXERCISES])
def test_confusion_table(item):
    """Each catalogued mistake, run on the probes, is diagnosed as itself."""
    assignment, grade_id = item
    table = diagnosis.confusion(assignment, grade_id)
    assert table, f"{grade_id}: no catalogued mistake"
    wrong = {}
    for mistake, diagnosed in table.items():
        expected = CANNOT_TELL.get((grade_id, mistake), (mistake, ""))[0]
        if diagnosed != expected:
            wrong[mistake] = diagnosed or "(no diagnosis)"
    assert not wrong, f"{grade_id}: mistakes diagnosed as something else: {wrong}"


def test_confusion_summary(capsys):
    """The whole table in numbers (printed), and the listed exceptions are still real."""
    total = itself = 0
    for assignment, grade_id in EXERCISES:
        for mistake, diagnosed in diagnosis.confusion(assignment, grade_id).items():
            total += 1
            itself += diagnosed == mistake
    listed = len(CANNOT_TELL)
    with capsys.disabled():
        print(f"\nconfusion table: {itself}/{total} catalogued mistakes diagnosed as "
              f"themselves; {listed} listed as indistinguishable; {total - itself - listed} "
              "others")
    assert itself == total - listed
    known = {(grade_id, mistake) for assignment, grade_id in EXERCISES
             for mistake in diagnosis.confusion(assignment, grade_id)}
    assert set(CANNOT_TELL) <= known, "CANNOT_TELL names an entry that is not catalogued"


@pytest.mark.parametrize("item", EXERCISES, ids=[grade_id for _, grade_id in EXERCISES])
def test_the_reference_matches_no_entry(item):
    assignment, grade_id = item
    expected = diagnosis.expectations(assignment, grade_id)
    assert all(output is not None for output in expected.reference), (
        f"{grade_id}: the reference's output on a probe is not plain data")
    assert best_match(expected, expected.reference) is None


def test_every_entry_has_a_distinguishing_probe_or_is_listed():
    silent = []
    for assignment, grade_id in EXERCISES:
        expected = diagnosis.expectations(assignment, grade_id)
        for wrong, outputs in expected.wrong:
            if not diagnosis.distinguishing(expected, outputs) and \
                    (grade_id, wrong.mistake) not in CANNOT_TELL:
                silent.append(wrong.mistake)
    assert not silent, f"no probe tells these from the reference: {silent}"


# ---- the matching rule, on made-up outputs ------------------------------------------------

PROBES_ = Probes("f", lambda ref: [])


def _value(*values) -> list[Output]:
    return [Output("value", np.array(value, dtype=float)) for value in values]


def _expectation(reference, *wrong) -> Expectation:
    expected = Expectation(PROBES_, [((), {})] * len(reference), reference)
    for index, outputs in enumerate(wrong):
        expected.wrong.append((Wrong("ex", f"mistake {index}", "", f"hint {index}"), outputs))
    return expected


def test_a_match_needs_every_distinguishing_probe():
    expected = _expectation(_value(1, 2, 3), _value(1, 5, 7))
    assert best_match(expected, _value(1, 5, 7)).mistake == "mistake 0"
    assert best_match(expected, _value(1, 5, 3)) is None  # probe 2 agrees with the reference
    assert best_match(expected, _value(1, 2, 3)) is None


def test_a_difference_the_mistake_does_not_explain_means_no_diagnosis():
    """The learner also differs from the reference on probe 0, where the mistake does
    not: a second, uncatalogued mistake; naming the first alone would mislead."""
    expected = _expectation(_value(1, 2, 3), _value(1, 5, 7))
    assert best_match(expected, _value(9, 5, 7)) is None


def test_the_more_specific_mistake_wins():
    """Two entries match when both agree with the learner wherever it differs from the
    reference. Entry 1 is told apart from the reference on more probes (entry 0's output
    on probe 2 is unusable, so probe 2 says nothing about it): entry 1 is printed, in
    either catalogue order. A full tie goes to the catalogue's order."""
    unusable = [*_value(1, 5), None]
    expected = _expectation(_value(1, 2, 3), unusable, _value(1, 5, 7))
    assert best_match(expected, _value(1, 5, 7)).mistake == "mistake 1"
    swapped = _expectation(_value(1, 2, 3), _value(1, 5, 7), unusable)
    assert best_match(swapped, _value(1, 5, 7)).mistake == "mistake 0"
    tied = _expectation(_value(1, 2), _value(1, 5), _value(1, 5))
    assert best_match(tied, _value(1, 5)).mistake == "mistake 0"


def test_an_answer_within_tolerance_of_the_reference_never_matches():
    expected = _expectation(_value(1.0), _value(1.0 + 1e-4))
    assert best_match(expected, _value(1.0 + 5e-7)) is None  # within rtol 1e-6 of 1.0
    assert best_match(expected, _value(1.0 + 1e-4)).mistake == "mistake 0"
    near = _expectation(_value(1.0), _value(1.0 + 5e-6))  # too close to tell: not used
    assert best_match(near, _value(1.0 + 5e-6)) is None


def test_exceptions_warnings_and_changed_arguments_are_outputs():
    raises = [Output("raises", "ValueError")]
    assert best_match(_expectation(_value(1), raises), raises).mistake == "mistake 0"
    assert best_match(_expectation(_value(1), raises), [Output("raises", "TypeError")]) is None
    warned = [Output("value", np.array(1.0), (), True)]
    assert best_match(_expectation(_value(1), warned), warned).mistake == "mistake 0"
    changed = [Output("value", np.array(1.0), (np.array([0.5]),))]
    same = [Output("value", np.array(1.0), (np.array([0.25]),))]
    assert best_match(_expectation([same[0]], changed), changed).mistake == "mistake 0"
    assert best_match(_expectation([same[0]], changed), same) is None


def test_close_compares_structure_dtype_and_kind_of_number():
    probes = Probes("f", lambda ref: [])
    assert close((np.ones(2), 1.0), [np.ones(2), 1.0], probes)
    assert not close(np.ones(2), np.ones(3), probes)
    assert not close(np.ones(2), np.ones(2, dtype=np.float32), probes)
    assert not close(1.0, np.float64(1.0), probes)
    assert not close(3, np.int64(3), probes)
    assert close(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), probes)
    assert not close({"a": 1.0}, {"b": 1.0}, probes)
    assert not close(None, 0.0, probes)
    assert close(np.dtype("float32"), np.dtype("float32"), probes)
    assert not close(np.dtype("float32"), np.ones(2, dtype=np.float32), probes)


def test_close_never_calls_a_method_of_a_forged_object():
    """What comes back from the sandbox is plain data already; should anything else
    reach `close`, it is unequal to everything and none of its methods runs."""

    class Forged(np.ndarray):
        def __eq__(self, other):
            raise AssertionError("__eq__ was called")

        def __array__(self, *args, **kwargs):
            raise AssertionError("__array__ was called")

    class Number(float):
        def __float__(self):
            raise AssertionError("__float__ was called")

    forged = np.ones(2).view(Forged)
    probes = Probes("f", lambda ref: [])
    assert not close(forged, np.ones(2), probes)
    assert not close(np.ones(2), forged, probes)
    assert not close(Number(1.0), 1.0, probes)
    assert not close([forged], [np.ones(2)], probes)


def test_a_probe_may_not_be_a_hidden_test_input():
    """Probes are built from the course's code only, never from the test cells: a probe
    builder's source names no hidden test (the strings 'test_' and 'HIDDEN' never occur)."""
    from pathlib import Path

    import autograder.probes

    modules = sorted(Path(autograder.probes.__file__).parent.glob("*.py"))
    assert len(modules) >= 4, modules  # the package and its parts
    for module in modules:
        source = module.read_text()
        assert "HIDDEN" not in source and "graded_test_cells" not in source, module
        tree = ast.parse(source)
        assert not any(isinstance(node, ast.Import | ast.ImportFrom) and any(
            "test" in (alias.name or "") for alias in node.names)
            for node in ast.walk(tree)), module


def test_the_check_names_only_mistakes_its_visible_tests_catch():
    """`autograder.check` runs the visible tests only: a mistake that only a hidden test
    catches is never named there, even when the learner's function is exactly it; the
    grader, which runs every test, names it."""
    from autograder.judge import load_assignment

    notebook = chapter_notebook("01_neuron")
    visible = {test.grade_id: test.visible
               for test in load_assignment(notebook.release, notebook.release).tests}
    hidden_only = []
    for assignment, grade_id in EXERCISES[:7]:  # chapter 1
        caught = diagnosis._failing_entries(assignment, grade_id, visible[f"test_{grade_id}"])
        expected = diagnosis.expectations(assignment, grade_id)
        hidden_only += [(grade_id, wrong) for wrong, _ in expected.wrong
                        if wrong.mistake not in caught]
    assert hidden_only, "chapter 1 should have mistakes only its hidden tests catch"
    grade_id, wrong = hidden_only[0]
    namespace = dict(diagnosis._globals(diagnosis._reference("01_neuron")))
    exec(wrong.source, namespace)

    def learner(function, args, kwargs):  # the wrong answer itself, as the learner's code
        return namespace[function](*args, **kwargs)

    assert diagnosis.diagnose("01_neuron", grade_id, learner) == wrong.hint
    assert diagnosis.diagnose("01_neuron", grade_id, learner,
                              visible[f"test_{grade_id}"]) == ""


def test_namespace_helpers_find_the_chapter():
    ref = diagnosis._reference("01_neuron")
    assert isinstance(ref, types.SimpleNamespace) and callable(ref.sigmoid)
    assert diagnosis.expectations("01_neuron", "ex_no_such") is None
