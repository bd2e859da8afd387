"""The website: builds without warnings, renders stored outputs, shows no answer."""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest
from notebook_tools import public_text, read, secret_lines, squash

from autograder.course import course_notebooks

TAG = re.compile(r"<[^>]+>")
SPACE = re.compile(r"\s+")
THEME_FILES = Path("_static")
TEXT_SUFFIXES = {".html", ".js", ".txt", ".ipynb", ".json", ".md", ".py", ".inv", ".css"}


@pytest.fixture(scope="module")
def site(built_book) -> Path:
    """The learner site, built once per session (shared with the browser tests)."""
    return built_book


def visible_text(raw: str) -> str:
    """What a reader sees (tags removed, entities decoded, whitespace collapsed)."""
    return SPACE.sub(" ", html.unescape(TAG.sub("", raw)))


def find_secrets(site_dir: Path, secrets: set[str]) -> list[str]:
    """Every (file, line) where a secret line appears in the built site, whatever the
    spacing, markup or syntax highlighting around it."""
    wanted = {squash(line): line for line in secrets}
    found = []
    for path in site_dir.rglob("*"):
        if not path.is_file() or path.suffix not in TEXT_SUFFIXES:
            continue
        if THEME_FILES in path.relative_to(site_dir).parents:
            continue  # the theme's and MathJax's own code, the same on every site
        raw = path.read_text(errors="replace")
        haystacks = [squash(raw), squash(visible_text(raw)), squash(html.unescape(raw))]
        found += [f"{path.relative_to(site_dir)}: {line}" for key, line in wanted.items()
                  if any(key in haystack for haystack in haystacks)]
    return found


def learner_notebook_text(path: Path) -> str:
    """Everything a learner's notebook holds: every cell's source and every output."""
    notebook = read(path)
    parts = []
    for cell in notebook.cells:
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts.append(str(output.get("text", "")))
            parts += [str(value) for value in output.get("data", {}).values()]
    return squash("\n".join(parts))


def test_scanner_finds_a_planted_solution_line(tmp_path):
    """The leak check must be able to fail: plant a highlighted line and find it."""
    secret = "return np.where(z >= 0, 1.0, 0.5)"
    highlighted = ('<span class="k">return</span> <span class="n">np</span><span class="o">.'
                   '</span><span class="n">where</span>(<span class="n">z</span> &gt;= '
                   '<span class="mi">0</span>, 1.0, 0.5)')
    (tmp_path / "page.html").write_text(f"<pre>{highlighted}</pre>")
    assert find_secrets(tmp_path, {secret}) == [f"page.html: {secret}"]


def test_scanner_finds_an_answer_in_a_docstring_and_an_expression_in_a_table():
    """A solution line in a learner's docstring and an answer's right-hand side in a
    markdown table are both leaks (the same rule the learner notebooks are held to)."""
    source = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("| step | code |\n|---|---|\n| 1 | `X.T@dZ` |"),
        nbformat.v4.new_code_cell("def f(X, dZ):\n    ### BEGIN SOLUTION\n"
                                  "    dW = X.T @ dZ\n    return np.sum(dZ, axis=0)\n"
                                  "    ### END SOLUTION"),
    ])
    secrets = secret_lines(source)
    assert {"dW = X.T @ dZ", "np.sum(dZ, axis=0)"} <= secrets
    learner = squash('def f(X, dZ):\n    """Return np.sum(dZ, axis=0)."""')
    assert [line for line in secrets if squash(line) in learner] == ["np.sum(dZ, axis=0)"]


def test_no_answer_in_the_learner_notebooks():
    """No solution line, and no expression an answer assigns or returns, appears anywhere
    in a learner notebook: not in docstrings, prose, tables, figure code or outputs."""
    published = public_text([read(notebook.source) for notebook in course_notebooks()])
    leaks = []
    for notebook in course_notebooks():
        text = learner_notebook_text(notebook.release)
        leaks += [f"{notebook.assignment}: {line}"
                  for line in sorted(secret_lines(read(notebook.source), published))
                  if squash(line) in text]
    assert not leaks, "answer code is on the learner's page:\n" + "\n".join(leaks)


def test_site_has_landing_page_and_every_chapter(site):
    landing = visible_text((site / "index.html").read_text())
    for phrase in ("What you will build", "How to use this book", "How grading works"):
        assert phrase in landing
    for notebook in course_notebooks():
        page = site / "chapters" / notebook.assignment / f"{notebook.name}.html"
        assert page.is_file(), f"no page for {notebook.assignment}"


def test_no_solution_or_hidden_test_line_is_published(site):
    published = public_text([read(notebook.source) for notebook in course_notebooks()])
    for notebook in course_notebooks():
        leaked = find_secrets(site, secret_lines(read(notebook.source), published))
        assert not leaked, f"solution code of {notebook.assignment} is on the site: {leaked}"


def test_solutions_and_grading_folders_are_not_built(site):
    assert not (site / "solutions").exists()
    assert not (site / "autograder").exists()
    assert not list(site.rglob("*gradebook*"))


def test_chapter_pages_show_exercises_math_and_figures_with_alt_text(site):
    for notebook in course_notebooks():
        raw = (site / "chapters" / notebook.assignment / f"{notebook.name}.html").read_text()
        text = visible_text(raw)
        assert re.search(r"Exercise \d+\.1 — \S+ \(\d+ points?\)", text), "no numbered exercise"
        assert "\\(" in raw or "\\[" in raw or "math notranslate" in raw, "no LaTeX math"
        # The figures (the theme's own icons, e.g. the launch buttons' logos, live in _static/).
        images = [image for image in re.findall(r"<img [^>]*>", raw)
                  if not re.search(r'src="[^"]*_static/', image)]
        assert len(images) >= 2, "the chapter should show its figures"
        for image in images:
            alt = re.search(r'alt="([^"]*)"', image)
            assert alt and len(alt.group(1)) > 20, f"figure without real alt text: {image}"
            source = re.search(r'src="([^"]+)"', image).group(1)
            assert (site / "chapters" / notebook.assignment / source).resolve().is_file()


def test_downloadable_notebook_is_the_learner_version(site):
    for notebook in course_notebooks():
        copy = site / "_sources" / "chapters" / notebook.assignment / notebook.filename
        assert copy.is_file(), "the page's notebook download should exist"
        assert copy.read_bytes() == notebook.release.read_bytes()


def test_mathjax_is_served_by_the_site_itself(site):
    assert (site / "_static" / "mathjax" / "tex-mml-chtml.js").is_file()
    assert (site / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()
    for page in site.rglob("*.html"):
        raw = page.read_text()
        scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', raw)
        links = re.findall(r'<link[^>]*\bhref="([^"]+)"', raw)
        external = [url for url in scripts + links if re.match(r"(https?:)?//", url)]
        assert not external, f"{page.name} loads from outside the site: {external}"
