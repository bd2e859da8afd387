"""The diagnosis on wrong answers it was not built from (tests/unseen_mistakes/).

Each held-apart wrong answer is run on its exercise's probes (in the trusted process: the
outputs are plain data, what the sandbox would send back) and diagnosed. It counts as
correct when it is named as the catalogued mistake it makes, or gets no diagnosis where
no catalogued mistake applies; as wrong when it is named as another mistake (the target,
asserted, is none); as undiagnosed when it makes a catalogued mistake but gets nothing.
"""

from __future__ import annotations

import pytest
from catalogue import chapter_notebook, run_test_cell
from unseen_mistakes.answers import RIGHT, UNSEEN

from autograder import diagnosis


def diagnosed(answer) -> str | None:
    """The catalogued mistake `answer` is diagnosed as (its `mistake`), or None."""
    expected = diagnosis.expectations(answer.assignment, answer.exercise)
    namespace = dict(diagnosis._globals(diagnosis._reference(answer.assignment)))
    exec(compile(answer.source, f"<unseen {answer.exercise}>", "exec"), namespace)
    function = namespace[expected.probes.function]
    outputs = [diagnosis.run_trusted(function, call) for call in expected.calls]
    match = diagnosis.best_match(expected, outputs)
    return match.mistake if match is not None else None


def verdict(answer, found: str | None) -> str:
    if answer.expect is None:
        return "correct" if found is None else "wrong"
    if found is None:
        return "none"
    return "correct" if found.startswith(answer.expect) else "wrong"


@pytest.mark.parametrize("answer", UNSEEN, ids=[f"{a.exercise}-{a.expect}" for a in UNSEEN])
def test_each_unseen_answer_is_wrong(answer):
    """The fixture holds real wrong answers: each fails its exercise's tests."""
    assert run_test_cell(chapter_notebook(answer.assignment), answer.exercise,
                         answer.source) is not None


@pytest.mark.parametrize("answer", RIGHT, ids=[a.exercise for a in RIGHT])
def test_right_answers_written_differently_get_no_diagnosis(answer):
    assert run_test_cell(chapter_notebook(answer.assignment), answer.exercise,
                         answer.source) is None
    assert diagnosed(answer) is None


def test_rates_on_unseen_wrong_answers(capsys):
    counts = {"correct": 0, "wrong": 0, "none": 0}
    wrong = []
    for answer in UNSEEN:
        found = diagnosed(answer)
        kind = verdict(answer, found)
        counts[kind] += 1
        if kind == "wrong":
            wrong.append(f"{answer.exercise}: expected {answer.expect!r}, got {found!r}")
    total = len(UNSEEN)
    with capsys.disabled():
        print(f"\nunseen wrong answers: {total}; correct diagnosis {counts['correct']} "
              f"({counts['correct'] / total:.0%}), wrong diagnosis {counts['wrong']} "
              f"({counts['wrong'] / total:.0%}), none where one applies {counts['none']} "
              f"({counts['none'] / total:.0%})")
    assert total >= 30
    assert counts["wrong"] == 0, wrong


def test_the_rates_can_fail():
    """A made-up answer labelled with the wrong mistake counts as a wrong diagnosis."""
    from unseen_mistakes import Unseen

    mislabelled = Unseen("01_neuron", "ex1_5_relu", "np.max(z, 0) reduces", """
def relu(z):
    return np.abs(np.asarray(z))
""")
    assert verdict(mislabelled, diagnosed(mislabelled)) == "wrong"
