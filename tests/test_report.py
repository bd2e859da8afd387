"""The class report (`autograder.report`) from a synthetic gradebook with known counts,
on SQLite and PostgreSQL: the numbers on the page, names from submissions escaped,
clear errors for a missing or empty gradebook."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime

import numpy as np
import pytest
import sqlalchemy as sa
from report_tools import page_tables, read_page

from autograder import report
from autograder.gradebook import GradeStore, graded
from autograder.results import Outcome, Verdict

HOSTILE = "<img src=x onerror=alert(1)>"  # as a learner's name in the gradebook
SCRIPT = "<script>alert('pwned')</script>"
# (chapter, grade_id, label): passed of graded, and the diagnoses of the failures
# (hint -> count; the other failures have none).
EXERCISES = {
    ("01_neuron", "test_ex1_1", "Exercise 1.1"): (6, 8, {"the sign is flipped": 2}),
    ("01_neuron", "test_ex1_2", "Exercise 1.2"): (3, 8, {"off by one row": 3,
                                                         f"a hint with {SCRIPT}": 1}),
    ("02_forward", "test_ex2_1", "Exercise 2.1"): (4, 4, {}),
    ("02_forward", "test_ex2_2", "Exercise 2.2"): (1, 4, {}),
}
NOT_GRADED = [(HOSTILE, "01_neuron", "neuron", "not valid JSON (JSONDecodeError: ...)"),
              ("", "", f"/class/{SCRIPT}/essay.pdf", "not a notebook")]
# learner -> chapter -> (a note or test message, is it a time-out): the budget, a call's
# limit in a visible test and in a hidden one, and a failure that is not a time-out.
MESSAGES = {
    ("learner0", "01_neuron"): ("your notebook could not be run to the end: ran out of time "
                                "while running cell 4", True),
    ("learner5", "01_neuron"): ("Exercise 1.2: TimeoutError: sigmoid_grad took longer than "
                                "5 s", True),
    ("learner3", "02_forward"): ("Exercise 2.2: a hidden test failed: your code raised "
                                 "TimeoutError.", True),
    ("learner6", "01_neuron"): ("Exercise 1.2: a hidden test failed: your code raised "
                                "ValueError.", False),
}


def synthetic_class(rng: np.random.Generator) -> list[tuple[str, str, Verdict]]:
    """(learner, chapter, verdict) for each notebook, matching EXERCISES: learner i of
    a chapter fails an exercise when i >= its passed count; failures take the listed
    diagnoses first; MESSAGES go to the first notebook's note and the others' last
    outcome (a failed one). Times are drawn from `rng`."""
    notebooks: dict[tuple[str, str], Verdict] = {}
    for (chapter, grade_id, label), (passed, count, hints) in EXERCISES.items():
        diagnoses = [hint for hint, n in hints.items() for _ in range(n)]
        for index in range(count):
            student = HOSTILE if index == 7 else f"learner{index}"
            verdict = notebooks.setdefault((student, chapter), Verdict(
                seconds=float(rng.uniform(1, 20))))
            ok = index < passed
            diagnosis = "" if ok or not diagnoses else diagnoses.pop(0)
            verdict.outcomes.append(Outcome(grade_id, label, 2.0 if ok else 0.0, 2.0,
                                            visible=ok, diagnosis=diagnosis))
    for index, (key, (message, _)) in enumerate(MESSAGES.items()):
        if index == 0:
            notebooks[key].notes.append(message)
        else:
            assert not notebooks[key].outcomes[-1].points, key
            notebooks[key].outcomes[-1].message = message
    return [(student, chapter, verdict) for (student, chapter), verdict in notebooks.items()]


def fill(db_url: str) -> list[tuple[str, str, Verdict]]:
    """Write the synthetic class into the dlbook tables of the gradebook at `db_url`."""
    notebooks = synthetic_class(np.random.default_rng(24))
    store = GradeStore(db_url)
    try:
        with store.engine.begin() as connection:
            for student, chapter, verdict in notebooks:
                connection.execute(graded.insert().values(
                    student=student, assignment=chapter, notebook=chapter.split("_")[1],
                    sha256="0" * 64, result=json.dumps(asdict(verdict)),
                    graded_at=datetime(2026, 1, 1)))
        store.record_run([], NOT_GRADED[:1], [(s, label, why) for s, _, label, why
                                              in NOT_GRADED[1:]])
    finally:
        store.close()
    return notebooks


@pytest.fixture
def synthetic_page(gradebook_url, tmp_path):
    notebooks = fill(gradebook_url)
    out = report.write(gradebook_url, tmp_path / "report.html")
    return notebooks, out


def test_the_page_gives_the_known_counts(synthetic_page):
    notebooks, out = synthetic_page
    text, soup = read_page(out)
    tables = page_tables(soup)
    rates = {(row["Chapter"], row["Exercise"]): row for row in tables["Pass rate per exercise"]}
    assert len(rates) == len(EXERCISES)
    for (chapter, _, label), (passed, count, _) in EXERCISES.items():
        row = rates[chapter, label]
        assert (row["Graded"], row["Passed"]) == (str(count), str(passed)), row
        assert row["Pass rate"] == f"{100 * passed / count:.0f}%"

    mistakes = tables["Diagnosed mistakes per failed exercise"]
    found = {(row["Chapter"], row["Exercise"], row["Diagnosed mistake"]): row["Count"]
             for row in mistakes}
    expected = {(chapter, label, hint): str(n) for (chapter, _, label), (_, _, hints)
                in EXERCISES.items() for hint, n in hints.items()}
    expected["02_forward", "Exercise 2.2", "none diagnosed"] = ""  # 3 failures, no match
    assert found == expected  # 2.1 (never failed) is not listed
    ordered = [row["Diagnosed mistake"] for row in mistakes if row["Exercise"] == "Exercise 1.2"]
    assert ordered == ["off by one row", f"a hint with {SCRIPT}"], "most frequent first"

    reasons = {(row["Learner"], row["Notebook or file"]): row["Reason"]
               for row in tables["Notebooks not graded (2)"]}
    assert reasons == {(HOSTILE, "neuron"): NOT_GRADED[0][3],
                       ("(no learner)", NOT_GRADED[1][2]): "not a notebook"}

    time_outs = {(row["Learner"], row["Chapter"]): row["What ran out of time"]
                 for row in tables["Time-outs (3)"]}
    assert time_outs == {key: message for key, (message, out) in MESSAGES.items() if out}
    times = {row["Chapter"]: row for row in tables["Seconds per notebook, per chapter"]}
    for chapter in ("01_neuron", "02_forward"):
        seconds = [v.seconds for _, c, v in notebooks if c == chapter]
        assert times[chapter]["Longest (s)"] == f"{max(seconds):.1f}"
        assert times[chapter]["Median (s)"] == f"{np.median(seconds):.1f}"
    assert (times["01_neuron"]["Time-outs"], times["02_forward"]["Time-outs"]) == ("2", "1")

    scores = {row["Chapter"]: row for row in tables[
        "Scores per chapter (percent of the chapter's points)"]}
    assert scores["02_forward"]["Notebooks graded"] == "4"
    assert (scores["02_forward"]["Lowest"], scores["02_forward"]["Highest"]) == ("50%", "100%")
    learners = len({student for student, _, _ in notebooks})
    assert (len(notebooks), learners) == (12, 8)
    assert "12 notebooks graded from 8 learners, 2 not graded" in text


def test_names_and_texts_from_submissions_are_escaped(synthetic_page):
    _, out = synthetic_page
    html = out.read_text()
    assert HOSTILE not in html and SCRIPT not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    _, soup = read_page(out)
    assert not soup.find_all("script"), "the page runs no script at all"
    images = soup.find_all("img")
    assert len(images) == 3
    for image in images:
        assert image["src"].startswith("data:image/svg+xml;base64,")
        assert image["alt"].strip()


def test_nothing_to_report_is_an_empty_section(tmp_path):
    """Only not-graded files: the page still says so, section by section."""
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    store = GradeStore(db_url)
    store.record_run([], [], [("", NOT_GRADED[1][2], NOT_GRADED[1][3])])
    store.close()
    text, soup = read_page(report.write(db_url, tmp_path / "report.html"))
    assert not soup.find_all("img")
    assert "No notebook has been graded yet." in text and "not a notebook" in text


def test_a_missing_or_empty_gradebook_is_a_clear_error(tmp_path, capsys):
    missing = tmp_path / "nowhere.db"
    out = tmp_path / "report.html"
    assert report.main(["--db-url", f"sqlite:///{missing}", "--out", str(out)]) == 2
    assert f"no gradebook at {missing}" in capsys.readouterr().err
    assert not missing.exists(), "looking must not create a gradebook"
    empty = tmp_path / "empty.db"
    sa.create_engine(f"sqlite:///{empty}").connect().close()  # an empty SQLite file
    assert report.main(["--db-url", f"sqlite:///{empty}", "--out", str(out)]) == 2
    assert "holds no graded notebooks yet" in capsys.readouterr().err
    GradeStore(f"sqlite:///{empty}").close()  # the tables, no rows
    assert report.main(["--db-url", f"sqlite:///{empty}", "--out", str(out)]) == 2
    assert "holds no graded notebooks yet" in capsys.readouterr().err
    assert not out.exists()
    assert report.main(["--db-url", "not a url", "--out", str(out)]) == 2
    assert "error:" in capsys.readouterr().err


def test_an_older_gradebook_gets_the_new_table_and_keeps_its_grades(tmp_path):
    """A gradebook made before `dlbook_not_graded` existed: the report reads it, and the
    next grading run's store adds the table without touching the grades."""
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    older = sa.MetaData()
    graded.to_metadata(older)
    engine = sa.create_engine(db_url)
    older.create_all(engine)
    with engine.begin() as connection:
        connection.execute(graded.insert().values(
            student="ada", assignment="01_neuron", notebook="neuron", sha256="0" * 64,
            result=json.dumps({"outcomes": [{"grade_id": "test_ex1_1", "label": "Exercise 1.1",
                                             "points": 0.0, "max_points": 2.0,
                                             "message": "", "visible": False}],
                               "notes": [], "seconds": 3.0}),  # no diagnosis, no skipped
            graded_at=datetime(2026, 1, 1)))
    assert not sa.inspect(engine).has_table("dlbook_not_graded")
    engine.dispose()
    text, soup = read_page(report.write(db_url, tmp_path / "report.html"))
    (row,) = page_tables(soup)["Pass rate per exercise"]
    assert (row["Graded"], row["Passed"], row["Pass rate"]) == ("1", "0", "0%")
    assert "none diagnosed" in text and "Every notebook submitted was graded." in text
    store = GradeStore(db_url)
    try:
        assert sa.inspect(store.engine).has_table("dlbook_not_graded")
        assert [g.verdict.score for g in store.graded_notebooks()] == [0.0]
    finally:
        store.close()


def test_a_failed_report_costs_the_report_only(tmp_path):
    """After a run that graded nothing, the report cannot be written: the grader prints
    why and how to write it later, and nothing is raised."""
    line = report.after_run([], [], f"sqlite:///{tmp_path / 'gradebook.db'}", tmp_path)
    assert line.startswith("class report: not written (ReportError: ")
    assert "python -m autograder.report" in line and not (tmp_path / report.PAGE).exists()
