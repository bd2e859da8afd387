"""The feedback page a learner gets back: points per exercise and what failed.

Built only from the judge's verdict, never from the test code, so it cannot show a
hidden test's source or its reference values.
"""

from __future__ import annotations

from html import escape

from autograder.results import Verdict

STYLE = """body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;
text-align:left;vertical-align:top}.ok{color:#1a7f37}.bad{color:#cf222e}
.note{background:#fff8c5;padding:.5rem 1rem;border-radius:.3rem}.hint{color:#57606a}"""


def render(student: str, assignment: str, notebook: str, verdict: Verdict | None,
           reason: str = "") -> str:
    """A self-contained HTML page; `verdict` None means the notebook was not graded."""
    title = f"{assignment}/{notebook}.ipynb: feedback for {student}"
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{escape(assignment)} · {escape(notebook)}.ipynb</h1>"]
    if verdict is None:
        parts.append(f"<p class='bad'><strong>Not graded:</strong> {escape(reason)}</p>"
                     "<p>Fix this and submit the notebook again.</p></body></html>\n")
        return "".join(parts)
    total = sum(outcome.max_points for outcome in verdict.outcomes)
    parts.append(f"<p><strong>Score: {verdict.score:g} / {total:g}</strong></p>")
    for note in verdict.notes:
        parts.append(f"<p class='note'>Note: {escape(note)}.</p>")
    if verdict.skipped_line:
        parts.append(f"<p>{escape(verdict.skipped_line)}.</p>")
    parts.append("<table><tr><th>Exercise</th><th>Points</th><th>Result</th></tr>")
    for outcome in verdict.outcomes:
        passed = outcome.points == outcome.max_points
        result = "passed" if passed else escape(outcome.message or "failed")
        if outcome.diagnosis and not passed:
            result += f"<br><span class='hint'>Likely mistake: {escape(outcome.diagnosis)}</span>"
        parts.append(f"<tr><td>{escape(outcome.label)}</td>"
                     f"<td>{outcome.points:g} / {outcome.max_points:g}</td>"
                     f"<td class='{'ok' if passed else 'bad'}'>{result}</td></tr>")
    parts.append("</table><p>Hidden tests try new inputs and edge cases; their messages "
                 "say what was checked, not the expected values.</p></body></html>\n")
    return "".join(parts)
