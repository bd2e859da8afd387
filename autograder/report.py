"""The class report: one static HTML page for the instructor, from the gradebook.

    python -m autograder.report [--db-url URL] [--out PAGE]

The page shows the score distribution per chapter, the pass rate of each exercise,
the mistakes most often diagnosed per exercise, the notebooks not graded and why, and
the time each notebook took to grade, with its time-outs. It reads only the gradebook
(`autograder.gradebook`), so it describes the whole class after a resumed or
distributed run too. It works offline: no script, style sheet or font is fetched (the
plots are SVG data URIs, with alt text), and every name or text that came from a
submission is escaped. `python -m autograder.grade` writes it into its output folder
after each run.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from autograder import report_data as data
from autograder import report_plots as plots
from autograder.course import CourseConfigError, load_config
from autograder.gradebook import Graded, GradeStore, NotGraded
from autograder.results import Row

PAGE = "class-report.html"
STYLE = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
line-height:1.45}table{border-collapse:collapse;width:100%;margin:1rem 0}caption{text-align:left;
font-weight:600;padding:.3rem 0}td,th{border-bottom:1px solid #ddd;padding:.35rem;text-align:left;
vertical-align:top}th[scope=row]{white-space:nowrap}td.n{text-align:right;font-variant-numeric:tabular-nums}img{max-width:100%;
height:auto}figure{margin:1rem 0}figcaption{font-size:.9rem;color:#444}.none{color:#555}"""


class ReportError(RuntimeError):
    """The gradebook cannot give a report (missing, unreachable or empty)."""


class Number(str):
    """A number already formatted ('75%', '11.2'): right-aligned like an int."""


def _cell(value: object) -> str:
    if isinstance(value, int | float):
        return f"<td class='n'>{value:g}</td>"
    if isinstance(value, Number):
        return f"<td class='n'>{escape(value)}</td>"
    return f"<td>{escape(str(value))}</td>"


def _table(caption: str, columns: list[str], rows: list[tuple]) -> str:
    """An accessible table: a caption, column headers, each row headed by its first
    cell. Every value is escaped."""
    head = "".join(f"<th scope='col'>{escape(column)}</th>" for column in columns)
    body = "".join(f"<tr><th scope='row'>{escape(str(first))}</th>"
                   + "".join(_cell(value) for value in rest) + "</tr>"
                   for first, *rest in rows)
    return (f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _figure(plot: plots.Plot, caption: str) -> str:
    return (f"<figure><img src='{plot.uri}' alt='{escape(plot.alt, quote=True)}'>"
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def _share(part: int, whole: int) -> Number:
    return Number(f"{100 * part / whole:.0f}%" if whole else "-")


def _scores(graded: list[Graded], failures: list[NotGraded]) -> list[str]:
    scores = data.scores_by_chapter(graded)
    if not scores:
        return []
    return [_figure(plots.score_distribution(scores), "Score distribution per chapter."),
            _table("Scores per chapter (percent of the chapter's points)",
                   ["Chapter", "Notebooks graded", "Median", "Lowest", "Highest"],
                   [(chapter, len(values), *(Number(f"{value:.0f}%") for value in (
                       np.median(values), values.min(), values.max())))
                    for chapter, values in scores.items()])]


def _pass_rates(graded: list[Graded], failures: list[NotGraded]) -> list[str]:
    exercises = data.exercises(graded)
    if not exercises:
        return []
    return [_figure(plots.pass_rates(exercises), "Pass rate per exercise."),
            _table("Pass rate per exercise",
                   ["Exercise", "Chapter", "Test cell", "Graded", "Passed", "Pass rate"],
                   [(e.label, e.assignment, e.grade_id, e.graded, e.passed,
                     _share(e.passed, e.graded)) for e in exercises])]


def _mistakes(graded: list[Graded], failures: list[NotGraded]) -> list[str]:
    rows = []
    for e in data.exercises(graded):
        if not e.failed:
            continue
        found = e.top_mistakes()
        if not found:
            rows.append((e.label, e.assignment, e.failed, "none diagnosed", ""))
        for hint, count in found:
            rows.append((e.label, e.assignment, e.failed, hint, count))
    if not rows:
        return []
    return [_table("Diagnosed mistakes per failed exercise",
                   ["Exercise", "Chapter", "Failed", "Diagnosed mistake", "Count"], rows)]


def _not_graded(graded: list[Graded], failures: list[NotGraded]) -> list[str]:
    if not failures:
        return []
    earlier = data.still_graded(graded, failures)
    return [_table(f"Notebooks not graded ({len(failures)})", [
        "Learner", "Chapter", "Notebook or file", "Reason", "Earlier grade kept", "Recorded (UTC)"],
        [(f.student or "(no learner)", f.assignment or "(no chapter)", f.notebook, f.reason,
          "yes" if (f.student, f.assignment, f.notebook) in earlier else "no",
          f.recorded_at.strftime("%Y-%m-%d %H:%M")) for f in failures])]


def _times(graded: list[Graded], failures: list[NotGraded]) -> list[str]:
    seconds = data.seconds_by_chapter(graded)
    if not seconds:
        return []
    outs = data.time_outs(graded)
    counts = {chapter: sum(out.assignment == chapter for out in outs) for chapter in seconds}
    return [_figure(plots.grading_times(seconds), "Time to grade one notebook."),
            _table("Seconds per notebook, per chapter",
                   ["Chapter", "Notebooks", "Median (s)", "Longest (s)", "Time-outs"],
                   [(chapter, len(values), Number(f"{np.median(values):.1f}"),
                     Number(f"{values.max():.1f}"), counts[chapter])
                    for chapter, values in seconds.items()]),
            _table(f"Time-outs ({len(outs)})",
                   ["Learner", "Chapter", "Notebook", "What ran out of time"],
                   [(o.student, o.assignment, o.notebook, o.where) for o in outs])
            if outs else "<p class='none'>No notebook ran out of time.</p>"]


# (anchor, heading, what the section shows, its parts, what it says when it has none)
SECTIONS = [
    ("scores", "Scores per chapter", "Each notebook's score in percent of its chapter's "
     "points, one histogram per chapter (bins of 10%).", _scores,
     "No notebook has been graded yet."),
    ("exercises", "Pass rate per exercise", "An exercise is passed when its test cell "
     "(visible and hidden tests) gets all its points.", _pass_rates,
     "No exercise has been graded yet."),
    ("mistakes", "Most frequent diagnosed mistakes", "When an exercise fails, the grader "
     "compares the learner's function with the course's catalogue of classic wrong "
     "answers; a match is a diagnosis, the hint the learner read. Up to "
     f"{data.TOP_MISTAKES} per exercise, most frequent first, for the exercises that some "
     "notebook failed.", _mistakes, "No exercise was failed."),
    ("not-graded", "Notebooks not graded", "Notebooks and files the last run that saw "
     "them could not grade, and why. A notebook graded later leaves this list; one that "
     "also has an earlier grade keeps it (that grade counts in the sections above).",
     _not_graded, "Every notebook submitted was graded."),
    ("time", "Time per notebook and time-outs", "The seconds each notebook took in the "
     "sandbox, from its first cell to its last test. A time-out is a notebook that used up "
     "its time budget (every test not finished by then scores 0) or a call of a learner "
     "function that took longer than its own limit (that test fails).", _times,
     "No notebook has been graded yet."),
]


def render(graded: list[Graded], failures: list[NotGraded], source: str) -> str:
    """The whole page, from the gradebook's records; `source` names the gradebook."""
    learners = {record.student for record in graded}
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    contents = "".join(f"<li><a href='#{anchor}'>{escape(heading)}</a></li>"
                       for anchor, heading, *_ in SECTIONS)
    sections = "".join(
        f"<section id='{anchor}'><h2>{escape(heading)}</h2><p>{escape(intro)}</p>"
        + ("".join(parts(graded, failures)) or f"<p class='none'>{escape(empty)}</p>")
        + "</section>" for anchor, heading, intro, parts, empty in SECTIONS)
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>Class report</title><style>{STYLE}</style></head><body><main>"
            f"<h1>Class report</h1><p>From the gradebook {escape(source)}, written {stamp}: "
            f"<strong>{len(graded)}</strong> notebooks graded from <strong>{len(learners)}"
            f"</strong> learners, <strong>{len(failures)}</strong> not graded.</p>"
            f"<nav aria-label='Sections'><ul>{contents}</ul></nav>{sections}"
            "</main></body></html>\n")


def _shown(db_url: str) -> str:
    """The gradebook's URL as the page and the errors show it: no password."""
    return sa.engine.make_url(db_url).render_as_string(hide_password=True)


def read_gradebook(db_url: str) -> tuple[list[Graded], list[NotGraded]]:
    """The gradebook's graded and not-graded records.

    Raises:
        ReportError: no such gradebook, it cannot be opened, or it holds nothing yet.
    """
    url = sa.engine.make_url(db_url)
    shown = _shown(db_url)
    if url.get_backend_name() == "sqlite" and not (
            url.database and url.database != ":memory:" and Path(url.database).is_file()):
        raise ReportError(f"no gradebook at {url.database or shown} (no such file)")
    engine = sa.create_engine(url)
    try:
        has_table = sa.inspect(engine).has_table("dlbook_graded")
    except sa.exc.DBAPIError as error:
        raise ReportError(f"cannot open the gradebook {shown}: {error.orig}") from None
    finally:
        engine.dispose()
    graded, failures = [], []
    if has_table:
        store = GradeStore(db_url)
        try:
            graded, failures = store.graded_notebooks(), store.not_graded_notebooks()
        finally:
            store.close()
    if not graded and not failures:
        raise ReportError(f"the gradebook {shown} holds no graded notebooks yet "
                          "(grade a class with python -m autograder.grade first)")
    return graded, failures


def write(db_url: str, out: Path) -> Path:
    """Write the report of the gradebook at `db_url` to the file `out`; return it."""
    graded, failures = read_gradebook(db_url)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(graded, failures, _shown(db_url)), encoding="utf-8")
    return out


def after_run(rows: list[Row], problems: list, db_url: str, out_dir: Path) -> str:
    """After a grading run: keep its not-graded notebooks and files in the gradebook,
    then write the class report into `out_dir`. Returns the line the grader prints;
    a failure here costs the report only, never the grades."""
    try:
        store = GradeStore(db_url)
        try:
            store.record_run(
                [(r.student, r.assignment, r.notebook) for r in rows if r.status == "graded"],
                [(r.student, r.assignment, r.notebook, r.reason) for r in rows
                 if r.status != "graded"],
                [(p.student or "", p.label, p.reason) for p in problems])
        finally:
            store.close()
        return f"class report: {write(db_url, out_dir / PAGE)}"
    except Exception as error:  # the grades are saved; the report can be written later
        return (f"class report: not written ({type(error).__name__}: {error}); "
                "run python -m autograder.report")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder.report", description=__doc__.split("\n\n")[0],
        epilog="Exit status: 0 written, 2 no gradebook, an empty one, or bad usage.")
    parser.add_argument("--db-url", help="SQLAlchemy URL of the gradebook (default: the "
                        "course's, $DLBOOK_DB_URL or sqlite under autograder/)")
    parser.add_argument("--out", type=Path, default=Path(PAGE),
                        help=f"the HTML page to write (default: ./{PAGE})")
    args = parser.parse_args(argv)
    try:
        db_url = args.db_url
        if db_url is None:
            db_url = load_config().CourseDirectory.db_url
        page = write(db_url, args.out)
    except (ReportError, CourseConfigError, sa.exc.ArgumentError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"class report: {page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
