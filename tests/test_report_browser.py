"""The class report in headless Chromium, checked like the website (tests/test_browser.py,
whose browser and page fixtures are reused; only the server differs): no console error,
every image loads and has alt text, no request leaves the machine, and a learner name
that is HTML shows as text."""

from __future__ import annotations

import pytest
from test_browser import browser, serving, visit  # noqa: F401 (fixtures)
from test_report import HOSTILE, SCRIPT, fill

from autograder import report

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The synthetic class's report (tests/test_report.py), served from 127.0.0.1."""
    folder = tmp_path_factory.mktemp("report")
    db_url = f"sqlite:///{folder / 'gradebook.db'}"
    fill(db_url)
    report.write(db_url, folder / report.PAGE)
    with serving(folder) as url:
        yield url


def test_the_report_renders_offline_with_its_images(visit):  # noqa: F811
    page = visit(report.PAGE)
    images = page.evaluate("""() => [...document.images].map(img =>
        ({width: img.naturalWidth, alt: img.alt}))""")
    assert len(images) == 3
    for image in images:
        assert image["width"] > 0, "an image does not load"
        assert image["alt"].strip(), "an image has no alt text"
    assert page.evaluate("() => document.scripts.length") == 0
    text = page.evaluate("() => document.body.innerText")
    assert HOSTILE in text and SCRIPT in text, "names and hints from submissions show as text"
    headings = page.evaluate("() => [...document.querySelectorAll('h2')].map(h => h.id || "
                             "h.parentElement.id)")
    assert headings == [anchor for anchor, *_ in report.SECTIONS]
    assert not visit.errors, f"console errors: {visit.errors}"
    assert not visit.external, f"requests left the machine: {visit.external}"
