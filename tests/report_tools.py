"""Reading the class report (`autograder.report`) back in tests: its text and tables."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup


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
