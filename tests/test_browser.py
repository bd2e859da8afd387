"""The website in a real browser: headless Debian Chromium driven by Playwright.

Every page is served from 127.0.0.1 and must load nothing from anywhere else, typeset its
mathematics with the site's own MathJax, show every image with alt text, log no console
error (each page opened as a first visit, in a fresh profile) and link only to pages that
exist. Screenshots go to $DLBOOK_ARTIFACTS.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import yaml

from autograder.course import ROOT, course_notebooks

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RAW_TEX = re.compile(r"\$\$|\\(frac|partial|sum|mathbf|boldsymbol|begin|left|tfrac)\b")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # print nothing
        pass


@contextlib.contextmanager
def serving(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 (a free port) while inside; yields its base URL."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def server(built_book):
    with serving(built_book) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing (make setup installs Debian's chromium)")
        pytest.skip("chromium is not installed here (make setup installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def visit(browser, server):
    """Open each page as a first visit: a fresh browser profile (a new context: empty
    cache, cookies and localStorage) per page. Every request leaving 127.0.0.1 is aborted
    and recorded; console errors, uncaught exceptions and failed requests (4xx, 5xx) of
    every page opened are recorded too."""
    origin = urlsplit(server).netloc
    external, errors = [], []
    current = {}

    def guard(route):
        if urlsplit(route.request.url).netloc == origin:
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort()

    def open_page(path: str, width: int = 1280, settle: bool = True):
        """Open `path`; with `settle`, run its scripts and wait for MathJax and every
        image. Without, the page is read as served, scripts off (for tests that read only
        its links: a chapter's scripts take seconds on a busy machine)."""
        if current:
            current["context"].close()
        context = browser.new_context(viewport={"width": width, "height": 900},
                                      java_script_enabled=settle)
        context.route("**/*", guard)
        page = context.new_page()
        page.on("console", lambda msg: msg.type == "error" and errors.append(
            f"{msg.text} ({msg.location.get('url')})"))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("response", lambda response: response.status >= 400 and errors.append(
            f"HTTP {response.status}: {response.url}"))
        current.update(context=context, page=page)
        open_page.page = page
        page.goto(urljoin(server, path), wait_until="load" if settle else "domcontentloaded")
        if not settle:
            return page
        page.evaluate("""async () => {
            if (window.MathJax && MathJax.startup) await MathJax.startup.promise;
            for (const img of document.images) img.loading = 'eager';
            await Promise.all([...document.images].map(img => img.complete ? 0 :
                new Promise(done => { img.onload = img.onerror = done; })));
        }""")
        return page

    open_page.external, open_page.errors = external, errors
    yield open_page
    if current:
        current["context"].close()


def toc_pages() -> list[str]:
    """The site's pages in _toc.yml order, as paths like 'chapters/01_neuron/neuron.html'."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [chapter["file"] for part in toc.get("parts", [])
                             for chapter in part["chapters"]]
    return [f"{file}.html" for file in files]


def site_pages(site: Path) -> list[str]:
    return sorted(path.relative_to(site).as_posix() for path in site.rglob("*.html")
                  if "_static" not in path.parts and "_sources" not in path.parts)


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_guard_records_a_request_that_leaves_the_site(visit):
    visit("index.html")
    visit.page.evaluate("() => fetch('https://example.org/x.js').catch(() => null)")
    assert visit.external == ["https://example.org/x.js"]


def test_raw_tex_detector():
    assert RAW_TEX.search(r"the loss $$L = \frac{1}{B}$$")
    assert not RAW_TEX.search("the loss L = 1/B, with a frac of the sum")


def test_every_page_renders_offline_with_math_images_and_working_links(
        visit, built_book, server, tmp_path_factory):
    pages = site_pages(built_book)
    assert set(toc_pages()) <= set(pages)
    artifacts = Path(os.environ.get("DLBOOK_ARTIFACTS") or tmp_path_factory.mktemp("artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    links: dict[str, str] = {}
    for path in pages:
        page = visit(path)
        # The prose, without code cells (a figure's code may hold matplotlib's own TeX).
        text = page.evaluate("""() => [...document.body.querySelectorAll(
                'p, li, td, th, h1, h2, h3, figcaption, .math, .admonition')]
            .filter(element => !element.closest('pre, code, .cell_input'))
            .map(element => element.innerText).join('\\n')""")
        assert not RAW_TEX.search(text), f"{path}: untypeset TeX {RAW_TEX.search(text)[0]!r}"
        if path.startswith("chapters/"):
            assert page.locator("mjx-container").count() > 5, f"{path}: MathJax typeset nothing"
        for image in page.evaluate("""() => [...document.images].map(img =>
                ({src: img.currentSrc, width: img.naturalWidth, alt: img.alt}))"""):
            assert image["width"] > 0, f"{path}: image does not load: {image['src']}"
            assert image["alt"].strip(), f"{path}: image without alt text: {image['src']}"
        for href in page.evaluate("() => [...document.querySelectorAll('a[href]')]"
                                  ".map(a => a.href)"):
            target = urldefrag(href).url
            if target.startswith(server):
                links.setdefault(target, path)
        assert not visit.errors, f"{path}: console errors {visit.errors}"
        assert not visit.external, f"{path}: requests left the site: {visit.external}"
        if path == "index.html":
            page.screenshot(path=str(artifacts / "landing.png"), full_page=True)
        if path == "chapters/03_softmax/softmax.html":
            page.screenshot(path=str(artifacts / "chapter03.png"))
    broken = {link: (source, status(link)) for link, source in links.items()
              if status(link) != 200}
    assert not broken, f"broken internal links (link: (found on, status)): {broken}"
    assert (artifacts / "landing.png").is_file() and (artifacts / "chapter03.png").is_file()


def test_previous_and_next_walk_the_chapters_in_toc_order(visit, server):
    expected = toc_pages()
    forward = [expected[0]]
    page = visit(expected[0], settle=False)
    while page.locator("a.right-next").count():
        page = visit(urlsplit(page.locator("a.right-next").first.evaluate("a => a.href")).path,
                     settle=False)
        forward.append(urlsplit(page.url).path.lstrip("/"))
        assert len(forward) <= len(expected), f"next goes past the last page: {forward}"
    assert forward == expected
    backward = [forward[-1]]
    while page.locator("a.left-prev").count():
        page = visit(urlsplit(page.locator("a.left-prev").first.evaluate("a => a.href")).path,
                     settle=False)
        backward.append(urlsplit(page.url).path.lstrip("/"))
        assert len(backward) <= len(expected), f"previous goes past the first: {backward}"
    assert backward == expected[::-1]
    assert not visit.external and not visit.errors


def test_search_finds_a_chapter_3_term(visit):
    page = visit("search.html?q=softmax")
    page.wait_for_selector("#search-results ul.search li a", timeout=15_000)
    hits = page.evaluate("() => [...document.querySelectorAll('#search-results ul.search li a')]"
                         ".map(a => a.href)")
    assert any("chapters/03_softmax/softmax.html" in hit for hit in hits), hits
    assert not visit.external and not visit.errors


def test_download_button_gives_the_learner_notebook(visit, server):
    for notebook in course_notebooks():
        page = visit(f"chapters/{notebook.assignment}/{notebook.name}.html", settle=False)
        hrefs = [href for href in page.evaluate(
            "() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
            if href.startswith(server) and urlsplit(href).path.endswith(".ipynb")]
        assert hrefs, f"{notebook.assignment}: no notebook download link"
        for href in hrefs:
            with urllib.request.urlopen(href, timeout=10) as response:
                assert response.read() == notebook.release.read_bytes(), href
    assert not visit.external and not visit.errors


def test_first_visit_logs_nothing_and_shows_one_search_box(visit):
    """A browser that has never seen the site: no theme-mode error (the theme's default
    mode was empty), no 404 (the favicon), and one way to search at any width."""
    for width in (1280, 600):
        page = visit("index.html", width=width)
        assert page.evaluate("() => document.documentElement.dataset.mode") == "auto"
        searches = page.evaluate("""() => [...document.querySelectorAll(
            '.search-button__button, form.bd-search input, input[type=search]')]
            .filter(e => e.offsetParent !== null && e.getBoundingClientRect().width > 0)
            .length""")
        assert searches == 1, f"{searches} search boxes at width {width}"
        assert not visit.errors, f"width {width}: {visit.errors}"
    assert not visit.external
