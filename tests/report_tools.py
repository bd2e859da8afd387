"""Reading the class report (`autograder.report`) back in tests: its text and tables."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from autograder.course import Notebook
from autograder.gradebook import GradeStore


def read_page(path: Path) -> tuple[str, BeautifulSoup]:
    """The page's visible text (whitespace collapsed) and its parsed document."""
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    return " ".join(soup.get_text(" ").split()), soup


def page_tables(soup: BeautifulSoup) -> dict[str, list[dict[str, str]]]:
    """Caption -> the table's rows, each as column header -> cell text."""
    tables = {}
    for table in soup.find_all("table"):
        columns = [th.get_text(strip=True) for th in table.thead.find_all("th")]
        tables[table.caption.get_text(strip=True)] = [
            dict(zip(columns, (cell.get_text(strip=True) for cell in row.find_all(["th", "td"])),
                     strict=True))
            for row in table.tbody.find_all("tr")]
    return tables


def assert_matches_gradebook(tables: dict, db_url: str, notebook: Notebook,
                             variants: dict) -> None:
    """The page's pass rates and failed exercises agree with nbgrader's tables for the
    learners in `variants` (learner -> the exercise they got wrong, or None), and every
    wrong exercise shows as failed."""
    store = GradeStore(db_url)
    try:
        scores = {student: store.scores(notebook.assignment, student) for student in variants}
    finally:
        store.close()
    full = scores[next(s for s, wrong in variants.items() if wrong is None)]  # full marks
    rates = {row["Test cell"]: row for row in tables["Pass rate per exercise"]}
    assert set(rates) == set(full)
    for grade_id, row in rates.items():
        passed = sum(scores[student][grade_id] == full[grade_id] for student in variants)
        assert (row["Graded"], row["Passed"]) == (str(len(variants)), str(passed)), row
    for student, wrong in variants.items():
        if wrong is not None:
            assert int(rates[f"test_{wrong}"]["Passed"]) < len(variants), student
    failed = {row["Exercise"] for row in rates.values() if row["Passed"] != row["Graded"]}
    mistakes = tables.get("Diagnosed mistakes per failed exercise", [])
    assert {row["Exercise"] for row in mistakes} == failed
